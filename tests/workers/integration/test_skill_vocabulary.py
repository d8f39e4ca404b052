"""?skill= reads the query and the stored skills with the shared vocabulary, and follows admins' aliases."""

from __future__ import annotations

import uuid

import pytest
from anju_common.events import TaxonomyAliasAdded, TaxonomyAliasData, TaxonomyAliasRemoved
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.workers.helpers import make_household, make_site, make_worker

pytestmark = pytest.mark.integration


def _ids(client: TestClient, **params: str) -> set[str]:
    r = client.get("/api/v1/workers", params=params)
    assert r.status_code == 200, r.text
    return {w["id"] for w in r.json()["items"]}


def _worker(client: TestClient, household: str, skill: str) -> str:
    return str(make_worker(client, household, id_number=None, skills=[{"name": skill, "level": 2}])["id"])


def test_skill_filter_finds_every_spelling_of_a_trade(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)["id"]
    flat = _worker(workers_client, household, "平车工")
    chewei = _worker(workers_client, household, "车位")
    english = _worker(workers_client, household, "sewing machinist")
    welder = _worker(workers_client, household, "电焊工")
    odd = _worker(workers_client, household, "刺梨果脯熬制")

    assert _ids(workers_client, site_id=site, skill="缝纫") == {flat, chewei, english}
    assert _ids(workers_client, site_id=site, skill="缝纫工") == {flat, chewei, english}
    assert _ids(workers_client, site_id=site, skill="电焊") == {welder}
    # Not understood: text in a skill name, as before.
    assert _ids(workers_client, site_id=site, skill="果脯") == {odd}

    # skill_ids are written with the skills.
    current = workers_client.get(f"/api/v1/workers/{flat}").json()
    r = workers_client.patch(
        f"/api/v1/workers/{flat}",
        json={"skills": [{"name": "焊工", "level": 2}], "version": current["version"]},
    )
    assert r.status_code == 200, r.text
    assert _ids(workers_client, site_id=site, skill="缝纫") == {chewei, english}
    assert _ids(workers_client, site_id=site, skill="电焊") == {welder, flat}


def test_an_alias_from_matching_reaches_the_skill_filter(workers_client: TestClient, infra: Infra) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)["id"]
    term = "码边佬"
    w = _worker(workers_client, household, f"{term}3年")
    assert _ids(workers_client, site_id=site, skill="拷边工") == set()
    data = TaxonomyAliasData(alias=term, key=term, trade_id="overlock_operator", trade_zh="拷边工")
    producer = Producer(infra.kafka_bootstrap)
    try:
        producer.publish(TaxonomyAliasAdded.build(data, subject=term), infra.topic_prefix)
        found = wait_for(lambda: _ids(workers_client, site_id=site, skill="拷边工") == {w}, timeout=30)
        assert found, "the stored worker is read again with the new alias"
        # New workers and queries use it too.
        later = _worker(workers_client, household, term)
        assert _ids(workers_client, site_id=site, skill=term) == {w, later}
        producer.publish(TaxonomyAliasRemoved.build(data, subject=term), infra.topic_prefix)
        gone = wait_for(lambda: _ids(workers_client, site_id=site, skill="拷边工") == set(), timeout=30)
        assert gone, "a removed alias no longer counts"
    finally:
        producer.close()
    assert uuid.UUID(w)
