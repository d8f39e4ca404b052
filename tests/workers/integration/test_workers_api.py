"""The workers API on real PostgreSQL: registration, masking in every shape, validation, scope."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from anju_common.testing import Infra
from fastapi.testclient import TestClient

from tests.workers.helpers import (
    SERVICE,
    bad_checksum,
    headers,
    make_household,
    make_site,
    make_worker,
    new_id_number,
    new_phone,
    worker_payload,
)

pytestmark = pytest.mark.integration


def _no_raw(text: str, phone: str, id_number: str) -> None:
    digits = phone.removeprefix("+86")
    assert digits not in text and id_number not in text and id_number[6:14] not in text


def test_registration_masks_phone_and_id_in_every_response_shape(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    phone, id_number = new_phone(), new_id_number(1985)
    body = worker_payload(household["id"], phone=phone, id_number=id_number)
    created = workers_client.post("/api/v1/workers", json=body)
    assert created.status_code == 201, created.text
    w = created.json()
    assert w["phone_masked"] == f"{phone[:3]}****{phone[-4:]}"
    assert w["id_number_masked"] == f"{id_number[:6]}********{id_number[-4:]}"
    assert created.headers["ETag"] == 'W/"1"'
    wid = w["id"]
    employer = str(uuid.uuid4())
    responses = [
        created,
        workers_client.get(f"/api/v1/workers/{wid}"),
        workers_client.get("/api/v1/workers", params={"household_id": household["id"]}),
        workers_client.patch(
            f"/api/v1/workers/{wid}", json={"education": "初中"}, headers={"If-Match": 'W/"1"'}
        ),
        workers_client.post(f"/api/v1/workers/{wid}/employment", json={"status": "employed"}),
        workers_client.post("/api/v1/workers", json=body),  # duplicate: the 409 must not echo it either
        workers_client.post("/api/v1/workers", json={**body, "phone": phone + "9"}),  # 422
    ]
    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200, 409, 422]
    for r in responses[:5]:
        assert f"{phone[:3]}****{phone[-4:]}" in r.text
    for r in responses:
        _no_raw(r.text, phone, id_number)
    # The employer view after an accepted referral is also masked (its name too).
    assert (
        workers_client.get(
            f"/api/v1/workers/{wid}", headers=headers("employer", employer_id=employer)
        ).status_code
        == 404
    )


def test_invalid_phone_id_birth_year_and_enum_get_422_naming_the_field(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    good = worker_payload(household["id"])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"phone": "12345"}, "body.phone"),
        ({"phone": "010-62345678"}, "body.phone"),
        ({"id_number": bad_checksum(good["id_number"])}, "body.id_number"),
        ({"id_number": "11010519851331001X"}, "body.id_number"),
        ({"birth_year": 1890, "id_number": None}, "body.birth_year"),
        ({"birth_year": 2020, "id_number": None}, "body.birth_year"),
        ({"birth_year": 1990}, "body.birth_year"),  # disagrees with the ID number
        ({"livelihood_type": "astronaut"}, "body.livelihood_type"),
        ({"employment_status": "retired"}, "body.employment_status"),
        ({"gender": "x"}, "body.gender"),
        ({"unavailable_months": [13]}, "body.unavailable_months.0"),
        ({"skills": [{"name": "焊工", "level": 6}]}, "body.skills.0.level"),
    ]
    for over, field in cases:
        r = workers_client.post("/api/v1/workers", json={**good, **over})
        assert r.status_code == 422, (over, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        fields = [e["field"] for e in r.json()["errors"]]
        assert field in fields, (over, fields)
    listed = workers_client.get("/api/v1/workers", params={"household_id": household["id"]}).json()
    assert listed["items"] == []


def test_update_needs_the_current_version(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    w = make_worker(workers_client, household["id"])
    url = f"/api/v1/workers/{w['id']}"
    assert workers_client.patch(url, json={"caregiver": False}).status_code == 428
    ok = workers_client.patch(
        url, json={"caregiver": False, "max_commute_km": 12}, headers={"If-Match": 'W/"1"'}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["max_commute_km"] == 12
    assert ok.headers["ETag"] == 'W/"2"'
    assert (
        workers_client.patch(url, json={"caregiver": True}, headers={"If-Match": 'W/"1"'}).status_code == 412
    )
    assert workers_client.patch(url, json={"caregiver": True, "version": 1}).status_code == 409
    bad = workers_client.patch(url, json={"phone": "123", "version": 2})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.phone"
    for field in ("caregiver", "physical_limitations", "household_id", "phone", "name", "skills"):
        r = workers_client.patch(url, json={field: None, "version": 2})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == f"body.{field}", field
    cleared = workers_client.patch(url, json={"education": None, "max_commute_km": None, "version": 2})
    assert cleared.status_code == 200 and cleared.json()["max_commute_km"] == 30
    assert workers_client.get(url).json()["version"] == 3


def test_defaults_filters_and_cursor_pagination(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    h1 = make_household(workers_client, site)
    h2 = make_household(workers_client, site)
    migrant = make_worker(workers_client, h1["id"], livelihood_type="migrant", skills=[{"name": "电焊工"}])
    assert migrant["max_commute_km"] == 3000
    for _ in range(4):
        make_worker(workers_client, h2["id"], id_number=None, skills=[{"name": "缝纫工"}, {"name": "普工"}])
    params: dict[str, Any] = {"site_id": site, "limit": 2}
    seen: list[str] = []
    cursor = None
    while True:
        page = workers_client.get(
            "/api/v1/workers", params={**params, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [w["id"] for w in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5

    def ids(**q: Any) -> set[str]:
        return {
            w["id"]
            for w in workers_client.get("/api/v1/workers", params={"site_id": site, **q}).json()["items"]
        }

    assert ids(skill="电焊") == {migrant["id"]}
    assert len(ids(skill="缝纫")) == 4
    assert ids(livelihood_type="migrant") == {migrant["id"]}
    assert len(ids(household_id=h2["id"])) == 4
    assert len(ids(zero_employment=True)) == 5
    workers_client.post(f"/api/v1/workers/{migrant['id']}/employment", json={"status": "employed"})
    assert ids(employment_status="employed") == {migrant["id"]}
    assert ids(zero_employment=False) == {migrant["id"]}
    assert workers_client.get("/api/v1/workers", params={"cursor": "!!"}).status_code == 400


def test_office_staff_see_only_their_sites_and_others_get_404(workers_client: TestClient) -> None:
    mine, other = make_site(workers_client), make_site(workers_client, name="另一个安置点")
    h_mine, h_other = make_household(workers_client, mine), make_household(workers_client, other)
    w_mine, w_other = make_worker(workers_client, h_mine["id"]), make_worker(workers_client, h_other["id"])
    staff = headers("office_staff", site_ids=[mine])
    assert workers_client.get(f"/api/v1/workers/{w_mine['id']}", headers=staff).status_code == 200
    for url in (
        f"/api/v1/workers/{w_other['id']}",
        f"/api/v1/households/{h_other['id']}",
        f"/api/v1/sites/{other}",
        f"/api/v1/sites/{other}/stats",
    ):
        r = workers_client.get(url, headers=staff)
        assert r.status_code == 404, url
    listed = workers_client.get("/api/v1/workers", headers=staff).json()["items"]
    assert {w["site_id"] for w in listed} == {mine}
    r = workers_client.post("/api/v1/workers", json=worker_payload(h_other["id"]), headers=staff)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.household_id"
    r = workers_client.post(f"/api/v1/workers/{w_other['id']}/erase", headers=staff)
    assert r.status_code == 404
    assert (
        workers_client.post(
            "/api/v1/sites",
            json={"name": "x", "county": "惠水县", "province": "贵州省", "lat": 1, "lon": 1},
            headers=staff,
        ).status_code
        == 403
    )
    employer = headers("employer", employer_id=str(uuid.uuid4()))
    assert workers_client.get("/api/v1/workers", headers=employer).json()["items"] == []
    assert workers_client.get(f"/api/v1/households/{h_mine['id']}", headers=employer).status_code == 404


def test_duplicates_are_conflicts(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    w = worker_payload(household["id"])
    assert workers_client.post("/api/v1/workers", json=w).status_code == 201
    again = workers_client.post(
        "/api/v1/workers", json={**w, "phone": new_phone()}, headers={"Accept-Language": "en"}
    )
    assert again.status_code == 409 and "ID number" in again.json()["detail"]
    no_id = worker_payload(household["id"], id_number=None)
    assert workers_client.post("/api/v1/workers", json=no_id).status_code == 201
    assert workers_client.post("/api/v1/workers", json=no_id).status_code == 409
    dup_ref = workers_client.post(
        "/api/v1/households", json={"site_id": site, "household_ref": household["household_ref"]}
    )
    assert dup_ref.status_code == 409


def test_internal_contact_and_lookup_need_the_service_token(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    phone = new_phone()
    w = make_worker(workers_client, household["id"], phone=phone)
    url = f"/internal/v1/workers/{w['id']}/contact"
    assert workers_client.get(url).status_code == 401
    assert workers_client.get(url, headers={"X-Anju-Service-Token": "nope"}).status_code == 401
    contact = workers_client.get(url, headers=SERVICE).json()
    assert contact == {
        "worker_id": w["id"],
        "site_id": site,
        "household_id": household["id"],
        "phone": f"+86{phone}",
        "sms_consent": True,
        "name": "王秀英",
        "active": True,
    }
    assert workers_client.post("/internal/v1/workers/lookup", json={"phone": phone}).status_code == 401
    found = workers_client.post(
        "/internal/v1/workers/lookup", json={"phone": f"+86 {phone}"}, headers=SERVICE
    )
    assert found.json() == {"worker_ids": [w["id"]]}
    assert (
        workers_client.get(
            "/internal/v1/workers/" + str(uuid.uuid4()) + "/contact", headers=SERVICE
        ).status_code
        == 404
    )


def test_deactivation_removes_the_worker_from_the_household_and_publishes(
    workers_client: TestClient, infra: Infra
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    w = make_worker(workers_client, household["id"])
    h = workers_client.get(f"/api/v1/households/{household['id']}").json()
    assert h["labour_capable_count"] == 1 and h["zero_employment"] is True
    r = workers_client.post(f"/api/v1/workers/{w['id']}/deactivate", json={"reason": "moved_away"})
    assert r.status_code == 200 and r.json()["active"] is False
    contact = workers_client.get(f"/internal/v1/workers/{w['id']}/contact", headers=SERVICE).json()
    assert contact["active"] is False and contact["sms_consent"] is False
    assert workers_client.post(f"/api/v1/workers/{w['id']}/deactivate").status_code == 409
    h = workers_client.get(f"/api/v1/households/{household['id']}").json()
    assert h["labour_capable_count"] == 0 and h["zero_employment"] is False
    records = infra.read_topic("workers.events", min_count=1)
    mine = [json.loads(r.value) for r in records if r.key == w["id"].encode()]
    types = [e["type"] for e in mine]
    assert types[0] == "anju.workers.worker.registered" and types[-1] == "anju.workers.worker.deactivated"
    assert mine[-1]["data"]["reason"] == "moved_away"
    registered = mine[0]["data"]
    assert (
        registered["location"]["lat"] == 26.13 and registered["household"]["household_id"] == household["id"]
    )
    for forbidden in ("name", "phone", "id_number", "gender"):
        assert forbidden not in registered


def test_registering_many_workers_into_one_household_at_once_never_deadlocks(
    workers_client: TestClient,
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site, labour_capable_count=6)
    bodies = [worker_payload(household["id"], name=f"王秀{i}") for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda b: workers_client.post("/api/v1/workers", json=b), bodies))
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers if a.status_code != 201]
    listed = workers_client.get("/api/v1/workers", params={"household_id": household["id"]}).json()
    assert len(listed["items"]) == 6
