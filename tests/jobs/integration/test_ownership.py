"""Who owns employers, jobs and courses (real PostgreSQL, Kafka and Redis): an employer belongs to the site
that registered it, cross-site employers and courses to administrators; nothing moves out of their sites."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from anju_common.principal import Principal, sign_principal
from fastapi.testclient import TestClient

from tests.jobs.helpers import SITE, employer_payload, job_payload, make_employer

pytestmark = pytest.mark.integration
OTHER_SITE = uuid.UUID("0c0ffee0-0000-4000-8000-000000000b0b")
SECOND_OWN_SITE = uuid.UUID("0c0ffee0-0000-4000-8000-000000000a0a")


def _as(client: TestClient, principal: Principal) -> dict[str, str]:
    secret = client.app.state.runtime.settings.internal_token_secret  # type: ignore[attr-defined]
    return {"X-Anju-Principal": sign_principal(principal, secret)}


def _staff(client: TestClient) -> dict[str, str]:
    return _as(client, Principal(sub="user:staff-a", role="office_staff", site_ids=[SITE, SECOND_OWN_SITE]))


def _employer(client: TestClient, employer_id: str) -> dict[str, str]:
    return _as(client, Principal(sub="apikey:k", role="employer", employer_id=uuid.UUID(employer_id)))


def _cross_site_employer(client: TestClient) -> str:
    body = employer_payload(name="县劳务协作站", kind="labor_cooperation", site_id=None)
    r = client.post("/api/v1/employers", json=body)  # the local admin
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_only_admins_register_and_change_cross_site_employers(jobs_client: TestClient) -> None:
    staff = _staff(jobs_client)
    r = jobs_client.post(
        "/api/v1/employers", json=employer_payload(site_id=None, kind="labor_cooperation"), headers=staff
    )
    _problem(r, 403)
    assert "管理员" in r.json()["detail"]
    cross = _cross_site_employer(jobs_client)
    # Staff may read it (a directory to post jobs for) but not change it.
    assert jobs_client.get(f"/api/v1/employers/{cross}", headers=staff).status_code == 200
    r = jobs_client.patch(
        f"/api/v1/employers/{cross}", json={"contact_name": "冒充", "version": 1}, headers=staff
    )
    _problem(r, 403)
    assert jobs_client.get(f"/api/v1/employers/{cross}").json()["contact_name"] is None
    r = jobs_client.patch(f"/api/v1/employers/{cross}", json={"contact_name": "站长", "version": 1})
    assert r.status_code == 200


def test_staff_cannot_register_or_move_employers_out_of_their_sites(jobs_client: TestClient) -> None:
    staff = _staff(jobs_client)
    r = jobs_client.post("/api/v1/employers", json=employer_payload(site_id=str(OTHER_SITE)), headers=staff)
    _problem(r, 403)
    own = jobs_client.post("/api/v1/employers", json=employer_payload(), headers=staff).json()
    url = f"/api/v1/employers/{own['id']}"
    for site in (str(OTHER_SITE), str(uuid.uuid4()), None):
        _problem(jobs_client.patch(url, json={"site_id": site, "version": 1}, headers=staff), 403)
    assert jobs_client.get(url).json()["site_id"] == str(SITE)
    moved = jobs_client.patch(url, json={"site_id": str(SECOND_OWN_SITE), "version": 1}, headers=staff)
    assert moved.status_code == 200 and moved.json()["site_id"] == str(SECOND_OWN_SITE)


def test_an_employer_edits_its_details_but_never_its_site(jobs_client: TestClient) -> None:
    mine = make_employer(jobs_client)
    employer = _employer(jobs_client, mine)
    url = f"/api/v1/employers/{mine}"
    _problem(jobs_client.patch(url, json={"site_id": str(OTHER_SITE), "version": 1}, headers=employer), 403)
    r = jobs_client.patch(url, json={"contact_name": "李厂长", "version": 1}, headers=employer)
    assert r.status_code == 200 and r.json()["site_id"] == str(SITE)


def test_jobs_stay_inside_the_callers_sites(jobs_client: TestClient) -> None:
    staff = _staff(jobs_client)
    mine = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(mine), headers=staff).json()
    for site in (str(OTHER_SITE), str(uuid.uuid4())):
        location = {**job_payload(mine)["location"], "site_id": site}
        r = jobs_client.patch(
            f"/api/v1/jobs/{job['id']}", json={"location": location, "version": 1}, headers=staff
        )
        _problem(r, 403)
        body = job_payload(mine, location=location)
        _problem(jobs_client.post("/api/v1/jobs", json=body, headers=staff), 403)
    assert jobs_client.get(f"/api/v1/jobs/{job['id']}").json()["location"]["site_id"] == str(SITE)
    # An employer's job is at its own site or at none.
    employer = _employer(jobs_client, mine)
    elsewhere = {**job_payload(mine)["location"], "site_id": str(OTHER_SITE)}
    r = jobs_client.post("/api/v1/jobs", json=job_payload(mine, location=elsewhere), headers=employer)
    _problem(r, 403)
    r = jobs_client.patch(
        f"/api/v1/jobs/{job['id']}", json={"location": elsewhere, "version": 1}, headers=employer
    )
    _problem(r, 403)


def test_an_api_key_implies_its_employer_in_job_bodies(jobs_client: TestClient) -> None:
    mine = make_employer(jobs_client)
    other = make_employer(jobs_client, name="别家企业")
    employer = _employer(jobs_client, mine)
    body = job_payload(mine)
    del body["employer_id"]
    r = jobs_client.post("/api/v1/jobs", json=body, headers=employer)
    assert r.status_code == 201, r.text
    assert r.json()["employer_id"] == mine
    _problem(jobs_client.post("/api/v1/jobs", json=job_payload(other), headers=employer), 403)
    # Staff must still say which employer.
    r = jobs_client.post("/api/v1/jobs", json=body, headers=_staff(jobs_client))
    _problem(r, 422)
    assert r.json()["errors"][0]["field"] == "body.employer_id"


def test_cross_site_courses_are_changed_only_by_admins(jobs_client: TestClient) -> None:
    staff = _staff(jobs_client)
    where: dict[str, Any] = {"province": "贵州省", "lat": 26.1, "lon": 106.6}
    body: dict[str, Any] = {
        "provider": "县人社局",
        "title": "电工培训",
        "skills_taught": ["电工"],
        "seats": 10,
        "location": where,
    }
    _problem(jobs_client.post("/api/v1/trainings", json=body, headers=staff), 403)
    course = jobs_client.post("/api/v1/trainings", json=body).json()
    url = f"/api/v1/trainings/{course['id']}"
    assert jobs_client.get(url, headers=staff).status_code == 200
    _problem(jobs_client.patch(url, json={"seats": 1, "version": 1}, headers=staff), 403)
    _problem(jobs_client.post(f"{url}/close", headers=staff), 403)
    after = jobs_client.get(url).json()
    assert after["seats"] == 10 and after["status"] == "open"
    # A staff course cannot be moved to no site or to another site either.
    own = {**body, "location": {**where, "site_id": str(SITE)}}
    mine = jobs_client.post("/api/v1/trainings", json=own, headers=staff).json()
    for site in (None, str(OTHER_SITE)):
        location = {**where, "site_id": site}
        r = jobs_client.patch(
            f"/api/v1/trainings/{mine['id']}", json={"location": location, "version": 1}, headers=staff
        )
        _problem(r, 403)


def test_chinese_and_english_labels_in_bodies_and_filters(jobs_client: TestClient) -> None:
    r = jobs_client.post("/api/v1/employers", json=employer_payload(kind="扶贫车间"))
    assert r.status_code == 201 and r.json()["kind"] == "workshop"
    employer = r.json()["id"]
    r = jobs_client.post("/api/v1/jobs", json=job_payload(employer, shift="夜班", title="夜班包装"))
    assert r.status_code == 201 and r.json()["shift"] == "night"
    job = r.json()["id"]
    r = jobs_client.post("/api/v1/jobs", json=job_payload(employer, shift="Part-Time", title="兼职"))
    assert r.status_code == 201 and r.json()["shift"] == "part_time"
    for value in ("夜班", "night", "Night"):
        r = jobs_client.get("/api/v1/jobs", params={"shift": value, "employer_id": employer})
        assert r.status_code == 200 and [j["id"] for j in r.json()["items"]] == [job], value
    r = jobs_client.get("/api/v1/jobs", params={"status": "招聘中", "employer_id": employer})
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    r = jobs_client.get("/api/v1/jobs", params={"shift": "月班"})
    _problem(r, 422)
