"""A completed course on real Kafka: workers adds the skills taught and the certificate; worker.updated."""

from __future__ import annotations

import json
import uuid

import pytest
from anju_common.events import TrainingEnrolmentChanged, TrainingEnrolmentData
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.workers.helpers import make_household, make_site, make_worker

pytestmark = pytest.mark.integration


def _enrolment(worker: dict[str, str], status: str) -> TrainingEnrolmentChanged:
    data = TrainingEnrolmentData(
        enrolment_id=uuid.uuid4(),
        training_id=uuid.uuid4(),
        worker_id=uuid.UUID(worker["id"]),
        site_id=uuid.UUID(worker["site_id"]),
        status=status,  # type: ignore[arg-type]
        title="电焊工培训班",
        skills_taught=["电焊"] if status == "completed" else [],
        certificate="焊工证" if status == "completed" else None,
        seats_left=0,
    )
    return TrainingEnrolmentChanged.build(data, subject=data.enrolment_id)


def test_completion_adds_the_taught_skills_and_the_certificate(
    workers_client: TestClient, infra: Infra
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    w = make_worker(workers_client, household["id"])
    before = workers_client.get(f"/api/v1/workers/{w['id']}").json()
    producer = Producer(infra.kafka_bootstrap)
    try:
        # Enrolling changes nothing on the worker; completing does.
        producer.publish(_enrolment(w, "enrolled"), infra.topic_prefix)
        producer.publish(_enrolment(w, "completed"), infra.topic_prefix)
    finally:
        producer.close()
    names = wait_for(
        lambda: (
            {s["name"] for s in workers_client.get(f"/api/v1/workers/{w['id']}").json()["skills"]}
            >= {"电焊", "焊工证"}
        ),
        timeout=30,
    )
    assert names
    after = workers_client.get(f"/api/v1/workers/{w['id']}").json()
    assert after["version"] == before["version"] + 1
    added = {s["name"]: s for s in after["skills"]}
    assert added["电焊"]["certified"] and added["焊工证"]["certified"] and added["电焊"]["level"] == 1

    def published() -> list[dict[str, object]]:
        return [
            json.loads(r.value)["data"]
            for r in infra.read_topic("workers.events", min_count=1, timeout=2)
            if r.key == w["id"].encode() and b"worker.updated" in r.value
        ]

    updates = wait_for(lambda: published(), timeout=20)
    assert updates and {s["name"] for s in updates[-1]["skills"]} >= {"电焊", "焊工证"}
