"""Access on the running stack: sites and logout follow the user at once, the audited reveal of full PII,
duplicates that say nothing about other sites, enum labels, and the guard and headers of every service."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from anju_common.principal import PRINCIPAL_HEADER, Principal, sign_principal

from tests.e2e.harness import Stack, expect
from tests.security.conftest import Tenant

pytestmark = pytest.mark.e2e


def _staff_of(stack: Stack, admin: dict[str, str], site_ids: list[str]) -> tuple[str, str, str]:
    username, password = f"two-sites-{uuid.uuid4().hex[:6]}", f"pw-{uuid.uuid4().hex}"
    body = {"username": username, "password": password, "role": "office_staff", "site_ids": site_ids}
    with stack.client(**admin) as client:
        user = expect(client.post("/api/v1/users", json=body), 201)
    return user["id"], username, password


def test_removing_a_site_from_a_user_and_logging_out_take_effect_at_once(
    stack: Stack, tenants: dict[str, Tenant], admin: dict[str, str]
) -> None:
    a, b = tenants["A"].ids, tenants["B"].ids
    user_id, username, password = _staff_of(stack, admin, [a["site_id"], b["site_id"]])
    tokens = httpx.post(
        f"{stack.gateway}/api/v1/auth/token", data={"username": username, "password": password}, timeout=30
    ).json()
    with stack.client(Authorization=f"Bearer {tokens['access_token']}") as staff:
        expect(staff.get(f"/api/v1/workers/{b['worker_id']}"), 200)
        with stack.client(**admin) as client:
            expect(client.patch(f"/api/v1/users/{user_id}", json={"site_ids": [a["site_id"]]}), 200)
        # The same (unexpired) token no longer reaches site B, in any service.
        for path in (
            f"/api/v1/workers/{b['worker_id']}",
            f"/api/v1/sites/{b['site_id']}",
            f"/api/v1/matches/{b['match_id']}",
            f"/api/v1/offices/{b['site_id']}/feed",
        ):
            assert staff.get(path).status_code == 404, path
        expect(staff.get(f"/api/v1/workers/{a['worker_id']}"), 200)
        r = httpx.post(
            f"{stack.gateway}/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, timeout=30
        )
        assert r.status_code == 204
        r = staff.get(f"/api/v1/workers/{a['worker_id']}")
        assert r.status_code == 401 and r.json()["type"] == "urn:anju:problem:token-revoked"


def test_office_staff_reveal_a_phone_with_a_reason_and_admins_read_the_audit(
    stack: Stack, tenants: dict[str, Tenant], admin: dict[str, str]
) -> None:
    a, b = tenants["A"], tenants["B"]
    staff = a.world.staff
    assert staff is not None
    worker_id = a.ids["worker_id"]
    body = {"field": "phone", "reason": "短信发送失败，电话通知面试时间"}
    r = staff.post(f"/api/v1/workers/{worker_id}/reveal", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["value"] == "+86" + a.world.phones[worker_id].removeprefix("+86")
    assert r.headers["cache-control"] == "no-store"
    assert staff.post(f"/api/v1/workers/{b.ids['worker_id']}/reveal", json=body).status_code == 404
    assert staff.post(f"/api/v1/workers/{worker_id}/reveal", json={"field": "phone"}).status_code == 422
    assert a.world.employer_client is not None
    assert a.world.employer_client.post(f"/api/v1/workers/{worker_id}/reveal", json=body).status_code in (
        403,
        404,
    )
    with stack.client(**admin) as client:
        log = expect(client.get("/api/v1/pii-reveals", params={"worker_id": worker_id}), 200)["items"]
        assert log and log[0]["reason"] == body["reason"] and log[0]["field"] == "phone"
        assert log[0]["actor"].startswith("user:") and log[0]["site_id"] == a.ids["site_id"]
        by_site = expect(client.get("/api/v1/pii-reveals", params={"site_id": b.ids["site_id"]}), 200)
        assert all(e["site_id"] == b.ids["site_id"] for e in by_site["items"])
    assert staff.get("/api/v1/pii-reveals").status_code == 403


def test_a_resident_id_registered_at_another_site_is_not_revealed(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    a, b = tenants["A"], tenants["B"]
    staff = a.world.staff
    assert staff is not None
    body = {
        "household_id": a.ids["household_id"],
        "name": "重复登记",
        "phone": "13900001111",
        "id_number": b.id_numbers[0],
        "livelihood_type": "外出务工",
    }
    r = staff.post("/api/v1/workers", json=body)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    for secret in (b.ids["site_id"], b.ids["worker_id"], b.ids["household_id"], "安置点 B"):
        assert secret not in r.text
    # Its own site's staff learn which worker it is.
    b_staff = b.world.staff
    assert b_staff is not None
    r = b_staff.post("/api/v1/workers", json={**body, "household_id": b.ids["household_id"]})
    assert r.status_code == 409 and r.json()["existing_worker_id"] == b.ids["worker_id"]


def test_chinese_labels_are_accepted_in_bodies_and_filters_and_answered_canonically(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    a = tenants["A"]
    staff = a.world.staff
    assert staff is not None
    body = {
        "household_id": a.ids["household_id"],
        "name": "标签测试",
        "birth_year": 1990,
        "phone": "13900002222",
        "livelihood_type": "外出务工",
        "employment_status": "未就业",
    }
    created = expect(staff.post("/api/v1/workers", json=body), 201)
    assert created["livelihood_type"] == "migrant" and created["employment_status"] == "unemployed"
    for value in ("外出务工", "migrant"):
        listed = expect(
            staff.get(
                "/api/v1/workers", params={"household_id": a.ids["household_id"], "livelihood_type": value}
            ),
            200,
        )["items"]
        assert [w["id"] for w in listed] == [created["id"]], value
    again = staff.post("/api/v1/workers", json={**body, "birth_year": 1991})
    assert again.status_code == 409 and again.json()["existing_worker_id"] == created["id"]


def _service_paths(stack: Stack) -> dict[str, list[tuple[str, str]]]:
    """Every operation of every service, from the service's own document (read with a signed principal)."""
    token = sign_principal(Principal(sub="test", role="service"), stack.env["ANJU_INTERNAL_TOKEN_SECRET"])
    out: dict[str, list[tuple[str, str]]] = {}
    for name, proc in stack.procs.items():
        if name == "gateway":
            continue
        doc: dict[str, Any] = httpx.get(
            f"{proc.url}/openapi.json", headers={PRINCIPAL_HEADER: token}, timeout=10
        ).json()
        out[name] = [
            (method.upper(), path)
            for path, item in doc["paths"].items()
            for method in item
            if method in ("get", "post", "put", "patch", "delete")
        ]
    return out


def test_every_service_route_needs_the_principal_and_sends_security_headers(stack: Stack) -> None:
    failures = []
    for name, ops in _service_paths(stack).items():
        base = stack.procs[name].url
        assert ops, name
        for method, template in ops:
            if template in ("/healthz", "/readyz", "/metrics") or template.startswith("/api/v1/sms/"):
                continue
            path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
            r = httpx.request(method, base + path, timeout=10)
            if r.status_code != 401:
                failures.append(f"{name} {method} {template}: {r.status_code}")
            if r.headers.get("x-content-type-options") != "nosniff" or "server" in r.headers:
                failures.append(f"{name} {method} {template}: headers {dict(r.headers)}")
        for path in ("/openapi.json", "/docs"):
            assert httpx.get(base + path, timeout=10).status_code == 401, (name, path)
    assert not failures, "\n".join(failures)
    jobs = stack.procs["jobs"].url
    assert httpx.get(f"{jobs}/api/v1/trainings", timeout=10).status_code == 401


def test_gateway_answers_carry_security_headers(stack: Stack, tenants: dict[str, Tenant]) -> None:
    staff = tenants["A"].world.staff
    assert staff is not None
    for r in (
        staff.get(f"/api/v1/workers/{tenants['A'].ids['worker_id']}"),
        staff.get("/api/v1/jobs"),
        httpx.get(f"{stack.gateway}/api/v1/workers", timeout=10),
    ):
        assert r.headers.get("x-content-type-options") == "nosniff"
        assert r.headers.get("cache-control") == "no-store"
        assert "server" not in r.headers, r.headers.get("server")
    page = httpx.get(f"{stack.gateway}/docs", timeout=10)
    assert page.status_code == 200 and "server" not in page.headers
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_an_api_key_implies_its_employer_and_refuses_another(
    stack: Stack, tenants: dict[str, Tenant]
) -> None:
    a, b = tenants["A"], tenants["B"]
    employer = a.world.employer_client
    assert employer is not None
    body: dict[str, Any] = {
        "title": "包装工",
        "headcount": 1,
        "wage_min": 2500,
        "wage_max": 3000,
        "location": {"site_id": a.ids["site_id"], "province": "贵州省", "lat": 28.2, "lon": 103.9},
    }
    job = expect(employer.post("/api/v1/jobs", json=body), 201)
    assert job["employer_id"] == a.ids["employer_id"]
    r = employer.post("/api/v1/jobs", json={**body, "employer_id": b.ids["employer_id"]})
    assert r.status_code == 403, r.text
