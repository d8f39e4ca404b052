"""Households and sites on real PostgreSQL and Kafka: recorded facts, derived signals, moves re-publish."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.workers.helpers import headers, make_household, make_site, make_worker, office_today

pytestmark = pytest.mark.integration


def test_household_facts_change_under_version_control_and_publish(
    workers_client: TestClient, infra: Infra
) -> None:
    site = make_site(workers_client)
    h = make_household(workers_client, site, labour_capable_count=2)
    assert (h["labour_capable_count"], h["zero_employment"], h["zero_employment_since"]) == (
        2,
        True,
        office_today(),
    )
    url = f"/api/v1/households/{h['id']}"
    assert workers_client.patch(url, json={"monitoring_category": "sudden_hardship"}).status_code == 428
    bad = workers_client.patch(url, json={"monitoring_category": "rich", "version": 1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.monitoring_category"
    r = workers_client.patch(
        url,
        json={"monitoring_category": "sudden_hardship", "labour_capable_count": 0},
        headers={"If-Match": 'W/"1"'},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["monitoring_category"] == "sudden_hardship" and body["version"] == 2
    assert body["labour_capable_count"] == 0 and body["zero_employment"] is False
    assert r.headers["ETag"] == 'W/"2"'
    assert (
        workers_client.patch(url, json={"registered_poor": True}, headers={"If-Match": 'W/"1"'}).status_code
        == 412
    )
    null = workers_client.patch(url, json={"monitoring_category": None, "version": 2})
    assert null.status_code == 422 and null.json()["errors"][0]["field"] == "body.monitoring_category"
    listed = workers_client.get(
        "/api/v1/households", params={"site_id": site, "monitoring_category": "sudden_hardship"}
    )
    assert [x["id"] for x in listed.json()["items"]] == [h["id"]]

    def published() -> list[dict[str, Any]]:
        records = infra.read_topic("workers.events", min_count=1, timeout=2)
        return [json.loads(x.value) for x in records if x.key == h["id"].encode()]

    events = wait_for(lambda: len(got := published()) >= 2 and got, timeout=20)
    assert events and events[-1]["type"] == "anju.workers.household.updated"
    assert (
        events[-1]["data"]["monitoring_category"] == "sudden_hardship" and events[-1]["data"]["version"] == 2
    )


def test_moving_a_worker_recounts_both_households(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    a, b = make_household(workers_client, site), make_household(workers_client, site)
    w = make_worker(workers_client, a["id"])
    workers_client.post(f"/api/v1/workers/{w['id']}/employment", json={"status": "employed"})
    r = workers_client.patch(f"/api/v1/workers/{w['id']}", json={"household_id": b["id"], "version": 2})
    assert r.status_code == 200, r.text
    ha = workers_client.get(f"/api/v1/households/{a['id']}").json()
    hb = workers_client.get(f"/api/v1/households/{b['id']}").json()
    assert (ha["labour_capable_count"], ha["employed_count"], ha["zero_employment"]) == (0, 0, False)
    assert (hb["labour_capable_count"], hb["employed_count"], hb["zero_employment"]) == (1, 1, False)


def test_moving_a_site_republishes_its_workers_with_the_new_location(
    workers_client: TestClient, infra: Infra
) -> None:
    site = make_site(workers_client)
    w = make_worker(workers_client, make_household(workers_client, site)["id"])
    staff = headers("office_staff", site_ids=[site])
    assert (
        workers_client.patch(
            f"/api/v1/sites/{site}", json={"lat": 26.2, "version": 1}, headers=staff
        ).status_code
        == 403
    )
    r = workers_client.patch(
        f"/api/v1/sites/{site}", json={"lat": 26.2, "lon": 106.7}, headers={"If-Match": 'W/"1"'}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    assert workers_client.get("/api/v1/sites", headers=staff).json()["items"][0]["id"] == site

    def updated() -> list[dict[str, Any]]:
        records = infra.read_topic("workers.events", min_count=1, timeout=2)
        return [
            json.loads(x.value) for x in records if x.key == w["id"].encode() and b"worker.updated" in x.value
        ]

    events = wait_for(updated, timeout=20)
    assert (
        events
        and events[-1]["data"]["location"]["lat"] == 26.2
        and events[-1]["data"]["location"]["lon"] == 106.7
    )
