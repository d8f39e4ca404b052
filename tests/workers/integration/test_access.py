"""Duplicates, the reveal of full PII and its audit, and enum labels on the workers API (real PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.workers.helpers import (
    headers,
    make_household,
    make_site,
    make_worker,
    new_id_number,
    worker_payload,
)

pytestmark = pytest.mark.integration


def test_same_phone_and_name_in_a_household_is_a_409_naming_the_existing_worker(
    workers_client: TestClient,
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    first = make_worker(workers_client, household["id"])
    phone = worker_payload(household["id"])["phone"]
    again = worker_payload(household["id"], id_number=new_id_number(1990), birth_year=1990)
    first_body = worker_payload(household["id"])
    # Same person, typed again with another ID number: refused like the import refuses it.
    created = workers_client.post("/api/v1/workers", json={**first_body, "phone": phone})
    assert created.status_code == 201
    r = workers_client.post("/api/v1/workers", json={**again, "phone": phone, "name": first_body["name"]})
    assert r.status_code == 409, r.text
    assert r.json()["existing_worker_id"] == created.json()["id"]
    assert first["id"] != created.json()["id"]
    # Without an ID number the phone and name are the natural key everywhere (the import's rule).
    no_id = worker_payload(household["id"], id_number=None, birth_year=1980)
    assert workers_client.post("/api/v1/workers", json=no_id).status_code == 201
    other_household = make_household(workers_client, site)
    r = workers_client.post("/api/v1/workers", json={**no_id, "household_id": other_household["id"]})
    assert r.status_code == 409 and "existing_worker_id" in r.json()


def test_a_resident_id_of_another_site_is_a_409_that_says_nothing_about_it(
    workers_client: TestClient,
) -> None:
    site_a, site_b = make_site(workers_client), make_site(workers_client)
    home_a = make_household(workers_client, site_a)
    home_b = make_household(workers_client, site_b)
    registered = make_worker(workers_client, home_b["id"])
    body = worker_payload(home_b["id"])
    b_worker = workers_client.post("/api/v1/workers", json=body).json()
    staff_a = headers("office_staff", site_ids=[site_a])
    r = workers_client.post(
        "/api/v1/workers",
        json={**body, "household_id": home_a["id"], "phone": "13800138000"},
        headers=staff_a,
    )
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    for secret in (site_b, b_worker["id"], home_b["id"], registered["id"], "王家社区"):
        assert secret not in r.text
    assert "existing_worker_id" not in r.json()
    # Staff of the worker's own site are told which worker it is.
    staff_b = headers("office_staff", site_ids=[site_b])
    r = workers_client.post("/api/v1/workers", json={**body, "phone": "13800138001"}, headers=staff_b)
    assert r.status_code == 409 and r.json()["existing_worker_id"] == b_worker["id"]


def test_reveal_returns_the_full_phone_once_per_audited_reason(workers_client: TestClient) -> None:
    site, elsewhere = make_site(workers_client), make_site(workers_client)
    household = make_household(workers_client, site)
    body = worker_payload(household["id"])
    worker = workers_client.post("/api/v1/workers", json=body).json()
    staff = headers("office_staff", site_ids=[site])
    url = f"/api/v1/workers/{worker['id']}/reveal"
    r = workers_client.post(
        url, json={"field": "phone", "reason": "短信发送失败，电话通知面试"}, headers=staff
    )
    assert r.status_code == 200, r.text
    assert r.json()["value"] == "+86" + body["phone"]
    assert r.headers["cache-control"] == "no-store"
    r_id = workers_client.post(url, json={"field": "id_number", "reason": "核对身份信息"}, headers=staff)
    assert r_id.json()["value"] == body["id_number"]
    # A reason is required; other sites, employers and admins get nothing.
    assert workers_client.post(url, json={"field": "phone"}, headers=staff).status_code == 422
    assert workers_client.post(url, json={"field": "phone", "reason": "  "}, headers=staff).status_code == 422
    other = headers("office_staff", site_ids=[elsewhere])
    assert workers_client.post(url, json={"reason": "想看看号码"}, headers=other).status_code == 404
    employer = headers("employer", employer_id=str(uuid.uuid4()))
    assert workers_client.post(url, json={"reason": "想看看号码"}, headers=employer).status_code == 403
    assert workers_client.post(url, json={"reason": "管理员查看"}).status_code == 403
    # The audit log: who, when, which field, why; only admins read it, with filters and pages.
    log = workers_client.get("/api/v1/pii-reveals", params={"worker_id": worker["id"]}).json()
    assert [(e["field"], e["reason"], e["actor"]) for e in log["items"]] == [
        ("id_number", "核对身份信息", "test-office_staff"),
        ("phone", "短信发送失败，电话通知面试", "test-office_staff"),
    ]
    assert log["items"][0]["site_id"] == site and log["items"][0]["created_at"]
    page = workers_client.get(
        "/api/v1/pii-reveals", params={"worker_id": worker["id"], "field": "phone", "limit": 1}
    ).json()
    assert [e["field"] for e in page["items"]] == ["phone"]
    first = workers_client.get("/api/v1/pii-reveals", params={"worker_id": worker["id"], "limit": 1}).json()
    second = workers_client.get(
        "/api/v1/pii-reveals", params={"worker_id": worker["id"], "limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [e["field"] for e in first["items"] + second["items"]] == ["id_number", "phone"]
    assert workers_client.get("/api/v1/pii-reveals", headers=staff).status_code == 403
    # Nothing else shows the full number.
    for path in (f"/api/v1/workers/{worker['id']}", "/api/v1/workers"):
        assert body["phone"] not in workers_client.get(path, headers=staff).text


def test_chinese_labels_in_bodies_and_filters(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site, monitoring_category="边缘易致贫户")
    assert household["monitoring_category"] == "marginal"
    r = workers_client.post(
        "/api/v1/workers",
        json=worker_payload(
            household["id"], livelihood_type="外出务工", gender="女", employment_status="未就业"
        ),
    )
    assert r.status_code == 201, r.text
    w = r.json()
    assert (w["livelihood_type"], w["gender"], w["employment_status"]) == ("migrant", "female", "unemployed")
    for value in ("外出务工", "migrant", "Migrant"):
        listed = workers_client.get(
            "/api/v1/workers", params={"household_id": household["id"], "livelihood_type": value}
        ).json()["items"]
        assert [x["id"] for x in listed] == [w["id"]], value
    r = workers_client.get("/api/v1/households", params={"site_id": site, "monitoring_category": "边缘户"})
    assert [h["id"] for h in r.json()["items"]] == [household["id"]]
