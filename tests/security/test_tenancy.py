"""Every role against every route family with another tenant's ids: every cross-tenant read or write is
denied, with the same 404 an id that does not exist gets (so guessing ids reveals nothing)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.harness import Stack, expect
from tests.e2e.journey import poll
from tests.security.conftest import Tenant

pytestmark = pytest.mark.e2e

# Reads of objects that belong to a site. Trainings are a public catalogue and are left out on purpose.
READS = [
    "/api/v1/sites/{site_id}",
    "/api/v1/sites/{site_id}/stats",
    "/api/v1/sites/{site_id}/stats.xlsx",
    "/api/v1/households/{household_id}",
    "/api/v1/workers/{worker_id}",
    "/api/v1/workers/{worker_id}/matches",
    "/api/v1/workers/{worker_id}/placements",
    "/api/v1/employers/{employer_id}",
    "/api/v1/jobs/{job_id}",
    "/api/v1/jobs/{job_id}/matches",
    "/api/v1/matches/{match_id}",
    "/api/v1/notifications/{notification_id}",
    "/api/v1/offices/{site_id}/feed",
    "/api/v1/offices/{site_id}/webhooks",
    "/api/v1/api-keys/{key_id}",
    "/api/v1/offices/{site_id}/feed/stream",
]
# Writes, each with a body that would be valid for the caller's own object.
WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("PATCH", "/api/v1/sites/{site_id}", {"name": "改名", "version": 1}),
    ("PATCH", "/api/v1/households/{household_id}", {"registered_poor": True, "version": 1}),
    ("PATCH", "/api/v1/workers/{worker_id}", {"language_notes": "x", "version": 1}),
    ("POST", "/api/v1/workers/{worker_id}/employment", {"status": "employed"}),
    ("POST", "/api/v1/workers/{worker_id}/deactivate", {"reason": "moved_away"}),
    ("PATCH", "/api/v1/employers/{employer_id}", {"contact_name": "x", "version": 1}),
    ("PATCH", "/api/v1/jobs/{job_id}", {"title": "改名", "version": 1}),
    ("PATCH", "/api/v1/trainings/{training_id}", {"title": "改名", "version": 1}),
    ("POST", "/api/v1/trainings/{training_id}/close", None),
    ("POST", "/api/v1/matches/{match_id}/status", {"status": "referred"}),
    ("POST", "/api/v1/notifications/{notification_id}/resend", None),
    ("POST", "/api/v1/offices/{site_id}/webhooks", {"url": "http://127.0.0.2:9/evil"}),
    ("POST", "/api/v1/offices/{site_id}/webhooks/{webhook_id}/disable", None),
    ("DELETE", "/api/v1/api-keys/{key_id}", None),
    ("POST", "/api/v1/jobs/{job_id}/close", {"reason": "filled"}),
    ("POST", "/api/v1/workers/{worker_id}/erase", None),
    ("POST", "/api/v1/workers/{worker_id}/reveal", {"field": "phone", "reason": "短信失败，电话联系"}),
    ("POST", "/api/v1/offices/{site_id}/webhooks/{webhook_id}/enable", None),
]
# Creating things inside the other tenant's site.
CREATES: list[tuple[str, dict[str, Any]]] = [
    ("/api/v1/households", {"site_id": "{site_id}", "labour_capable_count": 1}),
    (
        "/api/v1/workers",
        {
            "household_id": "{household_id}",
            "name": "冒名",
            "birth_year": 1990,
            "phone": "+8613900000000",
            "livelihood_type": "local",
        },
    ),
]


def _finish(failures: list[str]) -> None:
    """Every cross-tenant attempt must have been denied."""
    assert not failures, "\n".join(failures)


def _fill(template: str, ids: dict[str, str]) -> str:
    return template.format(**ids)


def _fill_body(body: Any, ids: dict[str, str]) -> Any:
    if isinstance(body, dict):
        return {k: _fill_body(v, ids) for k, v in body.items()}
    if isinstance(body, str) and body.startswith("{"):
        return body.format(**ids)
    return body


def _callers(stack: Stack, tenants: dict[str, Tenant]) -> dict[str, httpx.Client]:
    a = tenants["A"].world
    assert a.staff is not None and a.employer_client is not None
    return {"office_staff_A": a.staff, "employer_A": a.employer_client}


# Site name and place are directory data employers need to post jobs at a site; everything else is scoped.
EMPLOYER_MAY_READ = {"/api/v1/sites/{site_id}"}


def _assert_denied_like_missing(
    client: httpx.Client, method: str, path: str, body: Any, guess_path: str
) -> None:
    response = client.request(method, path, json=body) if body is not None else client.request(method, path)
    guess = (
        client.request(method, guess_path, json=body)
        if body is not None
        else client.request(method, guess_path)
    )
    assert response.status_code in (403, 404), (
        f"{method} {path}: {response.status_code} {response.text[:300]}"
    )
    assert response.headers["content-type"].startswith("application/problem+json")
    if response.status_code == 404:
        # Same answer as for an id that does not exist: existence does not leak.
        assert guess.status_code == 404, f"{method} {guess_path}: {guess.status_code}"
        assert response.json()["type"] == guess.json()["type"]


def _guess_ids(ids: dict[str, str]) -> dict[str, str]:
    return {k: str(uuid.uuid4()) for k in ids}


def test_reads_of_another_sites_objects_are_404_for_every_role(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    b_ids = tenants["B"].ids
    guess = _guess_ids(b_ids)
    failures = []
    for role, client in _callers(stack, tenants).items():
        for template in READS:
            if role.startswith("employer") and template in EMPLOYER_MAY_READ:
                continue
            try:
                _assert_denied_like_missing(
                    client, "GET", _fill(template, b_ids), None, _fill(template, guess)
                )
            except AssertionError as exc:
                failures.append(f"{role}: {exc}")
    _finish(failures)


def test_office_staff_get_exactly_404_not_403_or_empty_data(stack: Stack, tenants: dict[str, Tenant]) -> None:
    staff = tenants["A"].world.staff
    assert staff is not None
    b_ids = tenants["B"].ids
    failures = [
        f"GET {_fill(t, b_ids)} -> {r.status_code}"
        for t in READS
        if (r := staff.get(_fill(t, b_ids))).status_code != 404
    ]
    _finish(failures)


def test_writes_to_another_sites_objects_are_denied_and_change_nothing(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    b = tenants["B"]
    b_staff = b.world.staff
    assert b_staff is not None
    before = {
        t: b_staff.get(_fill(t, b.ids)).text
        for t in (
            "/api/v1/sites/{site_id}",
            "/api/v1/workers/{worker_id}",
            "/api/v1/jobs/{job_id}",
            "/api/v1/matches/{match_id}",
            "/api/v1/households/{household_id}",
        )
    }
    guess = _guess_ids(b.ids)
    failures = []
    for role, client in _callers(stack, tenants).items():
        for method, template, body in WRITES:
            try:
                _assert_denied_like_missing(
                    client, method, _fill(template, b.ids), body, _fill(template, guess)
                )
            except AssertionError as exc:
                failures.append(f"{role}: {exc}")
        for path, body in CREATES:
            r = client.post(path, json=_fill_body(body, b.ids))
            if r.status_code not in (403, 404, 422):
                failures.append(f"{role}: POST {path} into site B -> {r.status_code} {r.text[:200]}")
    after = {t: b_staff.get(_fill(t, b.ids)).text for t in before}
    assert before == after, "a denied write changed tenant B's data"
    assert b.world.employer_client is not None
    expect(b.world.employer_client.get(f"/api/v1/jobs/{b.ids['job_id']}"), 200)  # B's key still works
    _finish(failures)


def test_lists_never_show_another_sites_rows(stack: Stack, tenants: dict[str, Tenant]) -> None:
    b_ids = tenants["B"].ids
    b_values = {
        b_ids[k] for k in ("site_id", "household_id", "worker_id", "other_worker_id", "job_id", "match_id")
    }
    failures = []
    for role, client in _callers(stack, tenants).items():
        for path, params in [
            ("/api/v1/sites", {}),
            ("/api/v1/households", {}),
            ("/api/v1/households", {"site_id": b_ids["site_id"]}),
            ("/api/v1/workers", {}),
            ("/api/v1/workers", {"site_id": b_ids["site_id"]}),
            ("/api/v1/jobs", {}),
            ("/api/v1/jobs", {"site_id": b_ids["site_id"]}),
            ("/api/v1/employers", {}),
            ("/api/v1/notifications", {}),
            ("/api/v1/notifications", {"site_id": b_ids["site_id"]}),
            ("/api/v1/api-keys", {}),
        ]:
            r = client.get(path, params=params)
            if r.status_code >= 500:
                failures.append(f"{role}: GET {path} {params} -> {r.status_code}")
            visible = (
                b_values - {b_ids["site_id"]}
                if role.startswith("employer") and path == "/api/v1/sites"
                else b_values
            )
            leaked = [v for v in visible if v in r.text]
            if r.status_code == 200 and leaked:
                failures.append(f"{role}: GET {path} {params} shows tenant B ids {leaked}")
    assert not failures, "\n".join(failures)


def test_employers_see_only_their_own_jobs_and_no_unreferred_workers(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    a = tenants["A"]
    employer = a.world.employer_client
    assert employer is not None
    expect(employer.get(f"/api/v1/jobs/{a.ids['job_id']}"), 200)
    for path in (
        f"/api/v1/workers/{a.ids['worker_id']}",
        f"/api/v1/workers/{a.ids['other_worker_id']}",
        f"/api/v1/households/{a.ids['household_id']}",
        f"/api/v1/sites/{a.ids['site_id']}/stats",
        f"/api/v1/offices/{a.ids['site_id']}/feed",
    ):
        assert employer.get(path).status_code in (403, 404), path
    for row in expect(employer.get("/api/v1/jobs"), 200)["items"]:
        assert row["employer_id"] == a.ids["employer_id"]
    r = employer.get("/api/v1/workers")
    assert r.status_code in (200, 403, 404)
    if r.status_code == 200:
        assert a.ids["worker_id"] not in r.text and a.ids["other_worker_id"] not in r.text
    # Employers create no users and no keys.
    assert (
        employer.post(
            "/api/v1/users", json={"username": "x-y-z", "password": "p" * 12, "role": "admin"}
        ).status_code
        == 403
    )
    assert employer.post("/api/v1/api-keys", json={"employer_id": a.ids["employer_id"]}).status_code == 403


def test_admin_sees_both_sites_but_guessed_ids_are_404(
    stack: Stack, tenants: dict[str, Tenant], admin: dict[str, str]
) -> None:
    with stack.client(**admin) as client:
        for tenant in tenants.values():
            expect(client.get(f"/api/v1/workers/{tenant.ids['worker_id']}"), 200)
            expect(client.get(f"/api/v1/sites/{tenant.ids['site_id']}/stats"), 200)
        guess = _guess_ids(tenants["A"].ids)
        for template in READS:
            if template.startswith("/api/v1/offices/"):
                continue  # notifications keeps no site registry: an admin reads an empty feed of any id
            r = client.get(_fill(template, guess))
            assert r.status_code == 404, f"{template}: {r.status_code}"
        assert client.get("/api/v1/workers/not-a-uuid").status_code in (404, 422)


def test_staff_of_site_a_cannot_create_users_or_keys_for_site_b(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    staff = tenants["A"].world.staff
    assert staff is not None
    body = {
        "username": "sneaky-b",
        "password": "p" * 12,
        "role": "office_staff",
        "site_ids": [tenants["B"].ids["site_id"]],
    }
    assert staff.post("/api/v1/users", json=body).status_code == 403
    r = staff.post("/api/v1/api-keys", json={"employer_id": tenants["B"].ids["employer_id"]})
    assert r.status_code == 422 and "employer_id" in r.text


# Added this session, not yet driven by the matrix's two-site world (next session: add them to it);
# each names the test that checks another site's staff are refused.
DEPARTURES = "departures: site-scoped in workers.departures; tests/workers/integration/test_departures.py"
STANDARD = "service ledger: site-scoped; tests/workers/integration/test_service_standard.py"
EXPLAIN = "explain and manual proposals: tests/matching/integration/test_after_hire.py checks 403/404"
ENROLMENTS = "course enrolments: tests/jobs/integration/test_enrolments.py"
NO_HIRE = "the tenancy world has no hire; tests/workers/integration/test_placements.py checks other sites 404"
# Operations with an id in the path that the matrix above leaves to other tests, and why.
EXEMPT = {
    ("DELETE", "/api/v1/departures/{departure_id}/workers/{worker_id}"): DEPARTURES,
    ("GET", "/api/v1/departures/{departure_id}"): DEPARTURES,
    ("GET", "/api/v1/departures/{departure_id}/roster"): DEPARTURES,
    ("GET", "/api/v1/departures/{departure_id}/roster.xlsx"): DEPARTURES,
    ("PATCH", "/api/v1/departures/{departure_id}"): DEPARTURES,
    ("POST", "/api/v1/departures/{departure_id}/cancel"): DEPARTURES,
    ("POST", "/api/v1/departures/{departure_id}/workers"): DEPARTURES,
    ("POST", "/api/v1/departures/{departure_id}/workers/{worker_id}/no-show"): DEPARTURES,
    ("GET", "/api/v1/sites/{site_id}/service-standard"): STANDARD,
    ("GET", "/api/v1/sites/{site_id}/service-standard.xlsx"): STANDARD,
    ("GET", "/api/v1/workers/{worker_id}/service-contacts"): STANDARD,
    ("POST", "/api/v1/workers/{worker_id}/service-contacts"): STANDARD,
    ("GET", "/api/v1/jobs/{job_id}/matches/explain"): EXPLAIN,
    ("POST", "/api/v1/jobs/{job_id}/matches"): EXPLAIN,
    ("GET", "/api/v1/trainings/{training_id}/enrolments"): ENROLMENTS,
    ("POST", "/api/v1/trainings/{training_id}/enrolments/{worker_id}/complete"): ENROLMENTS,
    ("POST", "/api/v1/trainings/{training_id}/enrolments/{worker_id}/withdraw"): ENROLMENTS,
    ("GET", "/api/v1/users/{user_id}"): "administrators only; staff see themselves (tests/gateway)",
    ("PATCH", "/api/v1/users/{user_id}"): "administrators only (tests/gateway)",
    ("GET", "/api/v1/trainings/{training_id}"): "the course catalogue is readable by every caller",
    ("GET", "/api/v1/taxonomy/occupations/{code}"): "the national classification is public reference data",
    ("GET", "/api/v1/placements/{placement_id}"): NO_HIRE,
    ("PATCH", "/api/v1/placements/{placement_id}"): NO_HIRE,
    ("POST", "/api/v1/placements/{placement_id}/end"): NO_HIRE,
    ("POST", "/api/v1/placements/{placement_id}/follow-ups"): NO_HIRE,
    ("DELETE", "/api/v1/taxonomy/aliases/{key}"): "administrators only, not site data (tests/matching)",
}


def _operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {(m.upper(), p) for p, item in doc["paths"].items() if "{" in p for m in item if m in methods}


def test_every_id_taking_operation_of_the_merged_openapi_is_in_the_matrix(
    stack: Stack, admin: dict[str, str]
) -> None:
    """A new route with an id in its path fails here until it is added to the matrix (or exempted)."""
    with stack.client(**admin) as client:
        doc = expect(client.get("/openapi.json"), 200)
    covered = {("GET", t) for t in READS} | {(m, t) for m, t, _ in WRITES} | set(EXEMPT)
    missing = _operations(doc) - covered
    assert not missing, f"add these operations to the tenancy matrix: {sorted(missing)}"
    # And the matrix names nothing the API no longer has.
    assert not covered - _operations(doc), sorted(covered - _operations(doc))


def _admin_client(stack: Stack, admin: dict[str, str]) -> httpx.Client:
    return stack.client(**admin)


def _cross_site_world(stack: Stack, admin: dict[str, str], tenants: dict[str, Tenant]) -> dict[str, Any]:
    """A county-level labour-cooperation employer and a county course, both without a site (admin's)."""
    with _admin_client(stack, admin) as client:
        employer = expect(
            client.post(
                "/api/v1/employers",
                json={"name": "县劳务协作站", "kind": "劳务协作", "county": "惠水县", "province": "贵州省"},
            ),
            201,
        )
        key = expect(client.post("/api/v1/api-keys", json={"employer_id": employer["id"]}), 201)
        course = expect(
            client.post(
                "/api/v1/trainings",
                json={
                    "provider": "县人社局",
                    "title": "电工培训",
                    "skills_taught": ["电工"],
                    "seats": 10,
                    "location": {"county": "惠水县", "province": "贵州省", "lat": 26.1, "lon": 106.6},
                },
            ),
            201,
        )
    return {"employer": employer, "key": key["key"], "course": course}


def test_site_less_employers_and_courses_belong_to_administrators(
    stack: Stack, tenants: dict[str, Tenant], admin: dict[str, str]
) -> None:
    cross = _cross_site_world(stack, admin, tenants)
    a = tenants["A"]
    staff, employer_a = a.world.staff, a.world.employer_client
    assert staff is not None and employer_a is not None
    eid, cid = cross["employer"]["id"], cross["course"]["id"]
    assert cross["employer"]["kind"] == "labor_cooperation"
    failures = []
    for label, r, wanted in [
        ("staff key for site-less employer", staff.post("/api/v1/api-keys", json={"employer_id": eid}), 403),
        (
            "staff edits site-less employer",
            staff.patch(f"/api/v1/employers/{eid}", json={"contact_name": "x", "version": 1}),
            403,
        ),
        (
            "staff edits site-less course",
            staff.patch(f"/api/v1/trainings/{cid}", json={"seats": 1, "version": 1}),
            403,
        ),
        ("staff closes site-less course", staff.post(f"/api/v1/trainings/{cid}/close"), 403),
        (
            "employer A edits site-less employer",
            employer_a.patch(f"/api/v1/employers/{eid}", json={"contact_name": "x", "version": 1}),
            404,
        ),
        ("employer A closes site-less course", employer_a.post(f"/api/v1/trainings/{cid}/close"), 403),
    ]:
        if r.status_code != wanted or not r.headers["content-type"].startswith("application/problem+json"):
            failures.append(f"{label}: {r.status_code} {r.text[:200]}")
    _finish(failures)
    # Staff may still read the directory entry (to post jobs for it at their own site).
    assert expect(staff.get(f"/api/v1/employers/{eid}"), 200)["contact_name"] is None
    course = expect(staff.get(f"/api/v1/trainings/{cid}"), 200)
    assert course["seats"] == 10 and course["status"] == "open"
    # The cross-site employer's key reads no site's workers or matches.
    with stack.client(**{"X-API-Key": cross["key"]}) as key_client:
        for t in (
            "/api/v1/workers/{worker_id}",
            "/api/v1/workers/{worker_id}/matches",
            "/api/v1/matches/{match_id}",
        ):
            for tenant in tenants.values():
                assert key_client.get(_fill(t, tenant.ids)).status_code == 404, t
        where: dict[str, Any] = {"site_id": a.ids["site_id"], "province": "广东省", "lat": 22.5, "lon": 114.0}
        body: dict[str, Any] = {
            "title": "外省电子厂普工",
            "headcount": 5,
            "wage_min": 4000,
            "wage_max": 6000,
            "location": where,
        }
        r = key_client.post("/api/v1/jobs", json=body)
        assert r.status_code == 403, r.text  # an employer posts at its own site, this one has none
        job = expect(
            key_client.post("/api/v1/jobs", json={**body, "location": {**where, "site_id": None}}),
            201,
        )
        assert job["employer_id"] == eid  # the key implies its employer


def test_nothing_moves_into_another_site_or_a_random_one(
    stack: Stack, tenants: dict[str, Tenant], admin: dict[str, str]
) -> None:
    a, b = tenants["A"], tenants["B"]
    staff, employer = a.world.staff, a.world.employer_client
    assert staff is not None and employer is not None
    before = {
        "employer": expect(staff.get(f"/api/v1/employers/{a.ids['employer_id']}"), 200),
        "job": expect(staff.get(f"/api/v1/jobs/{a.ids['job_id']}"), 200),
    }
    location = before["job"]["location"]
    failures = []
    for site in (b.ids["site_id"], str(uuid.uuid4()), None):
        for who, client in (("staff", staff), ("employer", employer)):
            for path, body in (
                (
                    f"/api/v1/employers/{a.ids['employer_id']}",
                    {"site_id": site, "version": before["employer"]["version"]},
                ),
                (
                    f"/api/v1/jobs/{a.ids['job_id']}",
                    {"location": {**location, "site_id": site}, "version": before["job"]["version"]},
                ),
            ):
                if site is None and "/jobs/" in path and who == "employer":
                    continue  # an employer may take its own job off the site map; checked by the jobs tests
                r = client.patch(path, json=body)
                if r.status_code != 403:
                    failures.append(f"{who} PATCH {path} site_id={site}: {r.status_code} {r.text[:200]}")
    _finish(failures)
    assert expect(staff.get(f"/api/v1/employers/{a.ids['employer_id']}"), 200)["site_id"] == a.ids["site_id"]
    assert (
        expect(staff.get(f"/api/v1/jobs/{a.ids['job_id']}"), 200)["location"]["site_id"] == a.ids["site_id"]
    )
    # Site ids in bodies must exist, for administrators too: 422 naming the field.
    with _admin_client(stack, admin) as client:
        r = client.post(
            "/api/v1/employers",
            json={"name": "幽灵车间", "kind": "workshop", "site_id": str(uuid.uuid4()), "province": "贵州省"},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.site_id", r.text
        r = client.post(
            "/api/v1/trainings",
            json={
                "provider": "x",
                "title": "x",
                "skills_taught": ["x"],
                "seats": 1,
                "location": {**location, "site_id": str(uuid.uuid4())},
            },
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.location.site_id", r.text
    # Staff of A cannot create an employer or a course at B.
    r = staff.post(
        "/api/v1/employers",
        json={"name": "越界车间", "kind": "workshop", "site_id": b.ids["site_id"], "province": "贵州省"},
    )
    assert r.status_code == 403, r.text


EMPLOYER_MATCH_FIELDS = {
    "id",
    "job_id",
    "worker_id",
    "status",
    "job_title",
    "wage_min",
    "wage_max",
    "place",
    "version",
    "created_at",
    "updated_at",
}


def test_employers_see_only_consenting_referred_workers_in_their_own_shape(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    a = tenants["A"]
    world = a.world
    staff, employer = world.staff, world.employer_client
    assert staff is not None and employer is not None
    household = world.add_household(labour=2)
    private = world.add_worker(household, "工人A三", ["缝纫工"], share_consent=False)
    sharing = world.add_worker(household, "工人A四", ["缝纫工"])
    job = world.post_job(title="缝纫工（二车间）", headcount=5)

    def proposed() -> list[dict[str, Any]]:
        found = {m["worker_id"]: m for m in world.matches_of(job["id"])}
        return (
            [found[w["id"]] for w in (private, sharing)]
            if {private["id"], sharing["id"]} <= set(found)
            else []
        )

    by_worker = {m["worker_id"]: m for m in poll("both proposals", proposed, timeout=60)}
    assert "household_id" in by_worker[private["id"]] and by_worker[private["id"]]["reasons"]  # staff shape
    for m in by_worker.values():
        for status in ("interested", "referred"):
            expect(staff.post(f"/api/v1/matches/{m['id']}/status", json={"status": status}), 200)
    listed = expect(employer.get(f"/api/v1/jobs/{job['id']}/matches"), 200)["matches"]
    assert [m["worker_id"] for m in listed] == [sharing["id"]]
    assert all(set(m) == EMPLOYER_MATCH_FIELDS for m in listed)
    private_match = by_worker[private["id"]]["id"]
    assert employer.get(f"/api/v1/matches/{private_match}").status_code == 404
    assert employer.get(f"/api/v1/workers/{private['id']}/matches").status_code == 404
    shown = [
        employer.get(f"/api/v1/jobs/{job['id']}/matches"),
        employer.get(f"/api/v1/matches/{by_worker[sharing['id']]['id']}"),
        employer.get(f"/api/v1/workers/{sharing['id']}/matches"),
    ]
    for r in shown:
        assert r.status_code == 200, r.text
        for secret in (household["id"], a.ids["site_id"], "防返贫", "零就业", "score", "breakdown"):
            assert secret not in r.text, (str(r.request.url), secret)
    # Another employer sees none of it.
    b_employer = tenants["B"].world.employer_client
    assert b_employer is not None
    assert b_employer.get(f"/api/v1/jobs/{job['id']}/matches").status_code == 404
    assert b_employer.get(f"/api/v1/matches/{by_worker[sharing['id']]['id']}").status_code == 404
