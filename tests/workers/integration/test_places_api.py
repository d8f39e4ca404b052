"""Workers keep sites' and home places as GB/T 2260 codes; unknown places are a 422 naming the field."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.workers.helpers import make_household, make_site, new_phone, worker_payload

pytestmark = pytest.mark.integration


def test_site_place_spellings_store_codes_and_canonical_names(workers_client: TestClient) -> None:
    site = make_site(workers_client, province="Guizhou", county="惠水")
    got = workers_client.get(f"/api/v1/sites/{site}").json()
    assert (got["province"], got["province_code"], got["county"], got["county_code"]) == (
        "贵州省",
        "520000",
        "惠水县",
        "522731",
    )


@pytest.mark.parametrize(
    ("body", "field", "suggestion"),
    [
        ({"province": "贵洲"}, "body.province", "贵州省 Guizhou (520000)"),
        ({"county": "惠睡县"}, "body.county", "惠水县 Huishui County"),
        ({"province": "浙江", "county": "惠水县"}, "body.county", "not in Zhejiang"),
    ],
)
def test_unknown_site_place_is_a_422_with_closest_matches(
    workers_client: TestClient, body: dict[str, Any], field: str, suggestion: str
) -> None:
    payload = {
        "name": "王家社区安置点",
        "county": "惠水县",
        "province": "贵州省",
        "lat": 26.13,
        "lon": 106.66,
    }
    r = workers_client.post("/api/v1/sites", json={**payload, **body})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert suggestion in errors[field]


def test_site_patch_keeps_codes_consistent(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    r = workers_client.patch(f"/api/v1/sites/{site}", json={"county": "长顺", "version": 1})
    assert r.status_code == 200, r.text
    assert (r.json()["county"], r.json()["county_code"], r.json()["province_code"]) == (
        "长顺县",
        "522729",
        "520000",
    )
    r = workers_client.patch(f"/api/v1/sites/{site}", json={"province": "浙江", "version": 2})
    assert r.status_code == 422, r.text  # 长顺县 is not in Zhejiang and a site needs a county
    assert r.json()["errors"][0]["field"] == "body.county"


def test_worker_home_place_is_coded_in_the_api_and_the_event(
    workers_client: TestClient, infra: Infra
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    body = worker_payload(household["id"], home_province="guizhou", home_county="紫云")
    r = workers_client.post("/api/v1/workers", json=body)
    assert r.status_code == 201, r.text
    w = r.json()
    assert (w["home_province"], w["home_province_code"]) == ("贵州省", "520000")
    assert (w["home_county"], w["home_county_code"]) == ("紫云苗族布依族自治县", "520425")

    def mine() -> list[dict[str, Any]]:
        return [
            json.loads(x.value)
            for x in infra.read_topic("workers.events", timeout=2)
            if x.key == w["id"].encode()
        ]

    assert wait_for(lambda: len(mine()) >= 1, timeout=15)
    data = mine()[0]["data"]
    assert data["home_province_code"] == "520000" and data["home_county_code"] == "520425"
    assert data["location"]["province_code"] == "520000" and data["location"]["county_code"] == "522731"
    assert data["location"]["province"] == "贵州省"

    r = workers_client.patch(f"/api/v1/workers/{w['id']}", json={"home_county": "Luodian", "version": 1})
    assert r.status_code == 200, r.text
    assert (r.json()["home_county"], r.json()["home_county_code"]) == ("罗甸县", "522728")
    r = workers_client.patch(f"/api/v1/workers/{w['id']}", json={"home_county": "白云区", "version": 2})
    assert r.status_code == 422, r.text  # ambiguous without a province in the patch
    assert r.json()["errors"][0]["field"] == "body.home_county"


def test_worker_with_unknown_home_province_is_a_422(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    r = workers_client.post("/api/v1/workers", json=worker_payload(household["id"], home_province="Guizou"))
    assert r.status_code == 422, r.text
    (err,) = r.json()["errors"]
    assert err["field"] == "body.home_province" and "贵州省 Guizhou (520000)" in err["message"]


def test_import_rows_with_unknown_home_places_are_rejected_and_known_ones_coded(
    workers_client: TestClient,
) -> None:
    site = make_site(workers_client)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["户编号", "姓名", "出生年份", "手机号", "就业类型", "迁出省", "迁出县"])
    ws.append(["H1", "王一", 1980, new_phone(), "就近就业", "贵州", "紫云县"])
    ws.append(["H2", "王二", 1981, new_phone(), "就近就业", "火星省", ""])
    out = io.BytesIO()
    wb.save(out)
    r = workers_client.post(
        "/api/v1/workers/import", files={"file": ("w.xlsx", out.getvalue())}, data={"site_id": site}
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["created"], report["rejected"]) == (1, 1)
    assert report["errors"][0]["row"] == 3 and report["errors"][0]["column"] == "迁出省"
    listed = workers_client.get("/api/v1/workers", params={"site_id": site}).json()["items"]
    assert [(w["home_province_code"], w["home_county_code"]) for w in listed] == [("520000", "520425")]
