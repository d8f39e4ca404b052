"""Jobs tells the employer what each posted skill was read as, and follows matching's aliases."""

from __future__ import annotations

from typing import Any

import pytest
from anju_common.events import TaxonomyAliasAdded, TaxonomyAliasData, TaxonomyAliasRemoved
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.jobs.helpers import job_payload, make_employer

pytestmark = pytest.mark.integration


def _by_text(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["text"]: s for s in job["skills_read"]}


def test_post_and_get_say_what_each_skill_was_read_as(jobs_client: TestClient) -> None:
    employer_id = make_employer(jobs_client)
    body = job_payload(employer_id, skills=["缝纫", "车工", "刺梨果脯熬制"])
    r = jobs_client.post("/api/v1/jobs", json=body)
    assert r.status_code == 201, r.text
    read = _by_text(r.json())
    assert (read["缝纫"]["trade_id"], read["缝纫"]["zh"], read["缝纫"]["understood"]) == (
        "sewing_machinist",
        "缝纫工",
        True,
    )
    # 车工 next to 缝纫 is the sewing machinist, and the employer is told why.
    assert read["车工"]["trade_id"] == "sewing_machinist" and read["车工"]["how"] == "context"
    assert "车床工" in read["车工"]["trades"][0]["reason_zh"]
    odd = read["刺梨果脯熬制"]
    assert odd["understood"] is False and odd["trade_id"] is None and odd["unknown"] == ["刺梨果脯熬制"]
    assert odd["note_zh"].startswith("未能识别") and odd["note_en"].startswith("not understood")
    got = jobs_client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert got["skills_read"] == r.json()["skills_read"]


def test_the_read_back_follows_an_alias_added_in_matching(jobs_client: TestClient, infra: Infra) -> None:
    employer_id = make_employer(jobs_client)
    term = "打扣佬"
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, skills=[term])).json()
    assert _by_text(job)[term]["understood"] is False
    data = TaxonomyAliasData(alias=term, key=term, trade_id="button_operator", trade_zh="钉扣工")
    producer = Producer(infra.kafka_bootstrap)
    try:
        producer.publish(TaxonomyAliasAdded.build(data, subject=term), infra.topic_prefix)

        def read_as() -> str | None:
            got = jobs_client.get(f"/api/v1/jobs/{job['id']}").json()
            return _by_text(got)[term]["trade_id"]  # type: ignore[no-any-return]

        assert wait_for(lambda: read_as() == "button_operator", timeout=30), "the alias reached jobs"
        assert _by_text(jobs_client.get(f"/api/v1/jobs/{job['id']}").json())[term]["how"] == "alias"
        producer.publish(TaxonomyAliasRemoved.build(data, subject=term), infra.topic_prefix)
        assert wait_for(lambda: read_as() is None, timeout=30), "a removed alias is no longer read"
    finally:
        producer.close()
