"""The worker list as .xlsx: the list's filters, Chinese headers with English, numbers masked, staff only."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.workers.helpers import headers, make_household, make_site, make_worker, new_phone, worker_payload

pytestmark = pytest.mark.integration
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(client: TestClient, **kw: object) -> list[list[object]]:
    r = client.get("/api/v1/workers/export.xlsx", **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"].startswith('attachment; filename="anju-workers-')
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_has_the_lists_rows_with_masked_numbers(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site, household_ref="EXP-7")
    body = worker_payload(household["id"], name="张桂兰", livelihood_type="worker_peasant")
    a = workers_client.post("/api/v1/workers", json=body).json()
    b = make_worker(workers_client, household["id"], name="李国强", phone=new_phone())
    rows = _sheet(workers_client, params={"site_id": site})
    head, data = rows[0], rows[1:]
    assert head[0] == "姓名 name" and "手机号（部分隐藏）phone (masked)" in head and head[-1] == "worker_id"
    assert [r[-1] for r in data] == [b["id"], a["id"]]  # newest first, as the list
    listed = workers_client.get("/api/v1/workers", params={"site_id": site}).json()["items"]
    assert [w["id"] for w in listed] == [r[-1] for r in data]
    mine = dict(zip(head, data[1], strict=True))
    assert mine["户编号 household ref"] == "EXP-7"
    assert mine["手机号（部分隐藏）phone (masked)"] == a["phone_masked"]
    assert mine["身份证号（部分隐藏）ID number (masked)"] == a["id_number_masked"]
    assert mine["就业类型 livelihood type"] == "亦工亦农"
    assert mine["技能 skills"] == "缝纫工（3）"
    for secret in (body["phone"], body["id_number"], body["phone"][-8:]):
        assert all(secret not in str(cell) for r in data for cell in r)


def test_export_uses_the_list_filters_and_scope(workers_client: TestClient) -> None:
    site, other = make_site(workers_client), make_site(workers_client)
    household = make_household(workers_client, site)
    phone = new_phone()
    a = make_worker(workers_client, household["id"], name="王秀英", phone=phone)
    make_worker(workers_client, household["id"], name="刘强", phone=new_phone())
    make_worker(workers_client, make_household(workers_client, other)["id"], name="王五")
    by_name = _sheet(workers_client, params={"site_id": site, "q": "秀英"})
    assert [r[-1] for r in by_name[1:]] == [a["id"]]
    by_phone = _sheet(workers_client, params={"site_id": site, "phone_last4": phone[-4:]})
    assert a["id"] in [r[-1] for r in by_phone[1:]]
    staff = headers("office_staff", site_ids=[site])
    mine = _sheet(workers_client, params={"q": "王"}, headers=staff)
    assert {r[0] for r in mine[1:]} == {"王秀英"}  # the other site's 王五 is out of scope
    employer = headers("employer", employer_id=str(uuid.uuid4()))
    r = workers_client.get("/api/v1/workers/export.xlsx", headers=employer)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    bad = workers_client.get("/api/v1/workers/export.xlsx", params={"phone_last4": "12"})
    assert bad.status_code == 422 and "query.phone_last4" in bad.text


def test_export_pages_through_the_whole_list(
    workers_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers import export

    site = make_site(workers_client)
    household = make_household(workers_client, site)
    made = [make_worker(workers_client, household["id"], name=f"工人{i}")["id"] for i in range(5)]
    monkeypatch.setattr(export, "PAGE", 2)
    assert [r[-1] for r in _sheet(workers_client, params={"site_id": site})[1:]] == made[::-1]
    monkeypatch.setattr(export, "MAX_ROWS", 3)
    monkeypatch.setattr("workers.export_routes.MAX_ROWS", 3)
    assert len(_sheet(workers_client, params={"site_id": site})) == 1 + 3


def test_export_reads_the_skill_through_the_vocabulary_as_the_list_does(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    sewer = make_worker(workers_client, household["id"], skills=[{"name": "车位", "level": 3}])
    make_worker(workers_client, household["id"], phone=new_phone(), skills=[{"name": "电焊工", "level": 2}])
    listed = workers_client.get("/api/v1/workers", params={"site_id": site, "skill": "缝纫"}).json()["items"]
    exported = _sheet(workers_client, params={"site_id": site, "skill": "缝纫"})
    assert [w["id"] for w in listed] == [r[-1] for r in exported[1:]] == [sewer["id"]]
