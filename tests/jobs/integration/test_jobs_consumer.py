"""The jobs consumer on real Kafka: hires fill seats, redeliveries count once, poison goes to the DLQ."""

from __future__ import annotations

import json
import uuid

import pytest
from anju_common.events import MatchStatus, MatchStatusChanged, MatchStatusChangedData
from anju_common.kafka import Producer, decode_headers
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.jobs.helpers import SITE, job_payload, make_employer

pytestmark = pytest.mark.integration


def _hired(job_id: str, employer_id: str) -> MatchStatusChanged:
    data = MatchStatusChangedData(
        match_id=uuid.uuid4(),
        job_id=uuid.UUID(job_id),
        worker_id=uuid.uuid4(),
        household_id=uuid.uuid4(),
        site_id=SITE,
        employer_id=uuid.UUID(employer_id),
        from_status=MatchStatus.referred,
        to_status=MatchStatus.hired,
        job_title="缝纫工",
    )
    return MatchStatusChanged.build(data, subject=data.match_id)


def test_hires_fill_the_job_and_a_redelivered_event_counts_once(
    jobs_client: TestClient, infra: Infra
) -> None:
    employer_id = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, headcount=2)).json()
    producer = Producer(infra.kafka_bootstrap)
    try:
        first = _hired(job["id"], employer_id)
        producer.publish(first, infra.topic_prefix)
        producer.publish(first, infra.topic_prefix)  # the same event id again: a redelivery
        assert wait_for(lambda: jobs_client.get(f"/api/v1/jobs/{job['id']}").json()["hired_count"] == 1)
        # A later, distinct event is handled, which also proves the duplicate was consumed and skipped.
        producer.publish(_hired(job["id"], employer_id), infra.topic_prefix)
        got = wait_for(
            lambda: (j := jobs_client.get(f"/api/v1/jobs/{job['id']}").json())["status"] == "filled" and j,
            timeout=20,
        )
        assert got and got["hired_count"] == 2 and got["closed_reason"] == "filled"
    finally:
        producer.close()
    closed = [
        json.loads(r.value)
        for r in infra.read_topic("jobs.events", min_count=1)
        if r.key == job["id"].encode() and b"job.closed" in r.value
    ]
    assert len(closed) == 1 and closed[0]["data"]["reason"] == "filled"


def test_malformed_messages_land_in_the_dlq_with_a_reason(jobs_client: TestClient, infra: Infra) -> None:
    producer = Producer(infra.kafka_bootstrap)
    marker = uuid.uuid4().hex
    try:
        producer.send(infra.topic("matching.events"), marker.encode(), b"{not json").get(timeout=10)
        bogus = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "type": "anju.matching.unknown",
            "source": "/x",
            "subject": marker,
            "dataschema": "urn:x",
            "data": {},
        }
        producer.send(infra.topic("matching.events"), marker.encode(), json.dumps(bogus).encode()).get(
            timeout=10
        )
    finally:
        producer.close()

    def dead() -> list[dict[str, str]]:
        recs = infra.read_topic("matching.events.dlq", timeout=3)
        return [decode_headers(r.headers) for r in recs if r.key == marker.encode()]

    letters = wait_for(lambda: len(dead()) >= 2 and dead(), timeout=20)
    assert letters, "malformed messages did not reach the DLQ"
    assert all(h["dlq.consumer"] == "jobs" and h["dlq.reason"].startswith("malformed event") for h in letters)
    assert all(h["dlq.topic"] == infra.topic("matching.events") for h in letters)
    # The consumer survived: a valid event after the poison is still handled.
    employer_id = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id, headcount=5)).json()
    producer = Producer(infra.kafka_bootstrap)
    try:
        producer.publish(_hired(job["id"], employer_id), infra.topic_prefix)
    finally:
        producer.close()
    assert wait_for(
        lambda: jobs_client.get(f"/api/v1/jobs/{job['id']}").json()["hired_count"] == 1, timeout=20
    )
