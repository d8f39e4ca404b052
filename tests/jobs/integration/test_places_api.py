"""Jobs store places as GB/T 2260 codes: every spelling normalised, unknown ones a 422 naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.jobs.helpers import job_payload, make_employer

pytestmark = pytest.mark.integration


def _location(**over: Any) -> dict[str, Any]:
    loc: dict[str, Any] = {"province": "贵州省", "county": "惠水县", "lat": 26.13, "lon": 106.66}
    loc.update(over)
    return loc


@pytest.mark.parametrize(
    ("province", "county"),
    [
        ("贵州", "惠水"),
        ("Guizhou", "Huishui County"),
        ("GUIZHOU", "huishui"),
        ("52", "522731"),
        ("ｇｕｉｚｈｏｕ", "惠水县"),
    ],
)
def test_job_location_spellings_store_codes_and_canonical_names(
    jobs_client: TestClient, province: str, county: str
) -> None:
    employer_id = make_employer(jobs_client)
    r = jobs_client.post(
        "/api/v1/jobs", json=job_payload(employer_id, location=_location(province=province, county=county))
    )
    assert r.status_code == 201, r.text
    loc = r.json()["location"]
    assert (loc["province"], loc["province_code"]) == ("贵州省", "520000")
    assert (loc["county"], loc["county_code"]) == ("惠水县", "522731")
    got = jobs_client.get(f"/api/v1/jobs/{r.json()['id']}").json()["location"]
    assert got["province_code"] == "520000" and got["county_code"] == "522731"


def test_job_event_carries_codes_and_names(jobs_client: TestClient, infra: Infra) -> None:
    employer_id = make_employer(jobs_client)
    r = jobs_client.post(
        "/api/v1/jobs", json=job_payload(employer_id, location=_location(province="Guizhou"))
    )
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]

    def mine() -> list[dict[str, Any]]:
        return [
            json.loads(x.value)
            for x in infra.read_topic("jobs.events", timeout=2)
            if x.key == job_id.encode()
        ]

    assert wait_for(lambda: len(mine()) >= 1, timeout=15)
    loc = mine()[0]["data"]["location"]
    assert loc["province"] == "贵州省" and loc["province_code"] == "520000"
    assert loc["county"] == "惠水县" and loc["county_code"] == "522731"


@pytest.mark.parametrize(
    ("location", "field", "suggestion"),
    [
        (_location(province="贵洲"), "body.location.province", "贵州省 Guizhou (520000)"),
        (_location(county="惠睡县"), "body.location.county", "惠水县 Huishui County"),
        (_location(province="广东", county="惠水县"), "body.location.county", "惠水县 Huishui County"),
    ],
)
def test_unknown_place_is_a_422_naming_the_field_with_closest_matches(
    jobs_client: TestClient, location: dict[str, Any], field: str, suggestion: str
) -> None:
    employer_id = make_employer(jobs_client)
    r = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, location=location))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert field in errors
    assert suggestion in errors[field]


def test_ambiguous_county_of_an_employer_without_province_is_rejected(jobs_client: TestClient) -> None:
    r = jobs_client.post(
        "/api/v1/employers",
        json={"name": "白云区车间", "kind": "workshop", "county": "白云区"},
    )
    assert r.status_code == 422, r.text
    (err,) = r.json()["errors"]
    assert err["field"] == "body.county" and "give the province" in err["message"]
    assert "520113" in err["message"] and "440111" in err["message"]


def test_employer_county_alone_decides_its_province_and_patch_keeps_codes(jobs_client: TestClient) -> None:
    r = jobs_client.post(
        "/api/v1/employers", json={"name": "惠水劳务合作社", "kind": "labor_cooperation", "county": "Huishui"}
    )
    assert r.status_code == 201, r.text
    emp = r.json()
    assert (emp["province"], emp["province_code"], emp["county"], emp["county_code"]) == (
        "贵州省",
        "520000",
        "惠水县",
        "522731",
    )
    r = jobs_client.patch(f"/api/v1/employers/{emp['id']}", json={"county": "白云区", "version": 1})
    assert r.status_code == 422, r.text  # ambiguous without the province in the patch
    r = jobs_client.patch(
        f"/api/v1/employers/{emp['id']}", json={"province": "广东", "county": "白云区", "version": 1}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["province_code"], r.json()["county_code"]) == ("440000", "440111")
    r = jobs_client.patch(f"/api/v1/employers/{emp['id']}", json={"province": "贵州", "version": 2})
    assert r.status_code == 200, r.text
    assert (r.json()["province_code"], r.json()["county_code"], r.json()["county"]) == ("520000", None, None)


def test_list_filter_by_any_province_spelling(jobs_client: TestClient) -> None:
    employer_id = make_employer(jobs_client)
    r = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, location=_location(province="贵州")))
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    for spelling in ("贵州省", "Guizhou", "520000"):
        ids = [
            j["id"] for j in jobs_client.get("/api/v1/jobs", params={"province": spelling}).json()["items"]
        ]
        assert job_id in ids, spelling
    ids = [j["id"] for j in jobs_client.get("/api/v1/jobs", params={"province": "广东"}).json()["items"]]
    assert job_id not in ids
    r = jobs_client.get("/api/v1/jobs", params={"province": "贵洲"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.province"


def test_migration_backfilled_codes_from_names(jobs_client: TestClient) -> None:
    """Rows older than the codes get them from their names on upgrade; names the table cannot place stay."""
    from anju_common.places.backfill import backfill_codes
    from jobs.models import metadata

    engine = jobs_client.app.state.runtime.engine  # type: ignore[attr-defined]
    employer_id = make_employer(jobs_client)
    r = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id))
    job_id = r.json()["id"]
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE job SET province='贵州', county='惠水', province_code=NULL, county_code=NULL"
                " WHERE id=:i"
            ),
            {"i": job_id},
        )
        from alembic.migration import MigrationContext
        from alembic.operations import Operations

        with Operations.context(MigrationContext.configure(conn)):
            backfill_codes("job")
        row = conn.execute(
            text("SELECT province, province_code, county, county_code FROM job WHERE id=:i"), {"i": job_id}
        ).one()
    assert tuple(row) == ("贵州", "520000", "惠水", "522731")
    assert "province_code" in metadata.tables["job"].c
