"""The outbox keeps its promise when Kafka is down or the relay dies before publishing."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator

import pytest
from anju_common.kafka import Producer
from anju_common.outbox import OutboxRelay, pending_count
from anju_common.testing import Infra, PrivateBroker, topic_records, wait_for
from anju_common.topics import ensure_topics
from fastapi.testclient import TestClient

from tests.jobs.helpers import job_payload, make_employer

pytestmark = [pytest.mark.integration, pytest.mark.standalone]
ClientFactory = Callable[[str, bool], TestClient]


def _keys_on(bootstrap: str, topic: str) -> list[bytes]:
    return [r.key for r in topic_records(bootstrap, topic)]


@pytest.fixture
def client_on(infra: Infra, jobs_db: str) -> Iterator[ClientFactory]:
    """Build a jobs TestClient against a chosen broker, with or without its background workers."""
    from jobs.config import get_settings
    from jobs.main import make_app

    saved = dict(os.environ)
    clients: list[TestClient] = []

    def make(bootstrap: str, run_workers: bool) -> TestClient:
        os.environ.update(
            infra.env(
                JOBS_DATABASE_URL=jobs_db,
                ANJU_KAFKA_BOOTSTRAP=bootstrap,
                JOBS_RUN_WORKERS=str(run_workers).lower(),
                ANJU_OUTBOX_POLL_SECONDS="0.05",
            )
        )
        get_settings.cache_clear()
        client = TestClient(make_app())
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


def test_posting_works_while_the_broker_is_down_and_publishes_when_it_returns(
    client_on: ClientFactory, private_broker: PrivateBroker, infra: Infra
) -> None:
    ensure_topics(private_broker.bootstrap, infra.topic_prefix, partitions=2)
    client = client_on(private_broker.bootstrap, True)
    employer_id = make_employer(client)
    private_broker.stop()
    try:
        r = client.post("/api/v1/jobs", json=job_payload(employer_id))
        assert r.status_code == 201, r.text
        job_id = r.json()["id"].encode()
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert pending_count(runtime.engine, runtime.tables) >= 1
    finally:
        private_broker.start()
    topic = infra.topic("jobs.events")
    assert wait_for(lambda: job_id in _keys_on(private_broker.bootstrap, topic), timeout=60)
    assert wait_for(lambda: pending_count(runtime.engine, runtime.tables) == 0, timeout=30)
    assert _keys_on(private_broker.bootstrap, topic).count(job_id) == 1


def test_a_relay_that_died_after_commit_publishes_on_restart_exactly_once(
    client_on: ClientFactory, infra: Infra
) -> None:
    client = client_on(infra.kafka_bootstrap, False)
    employer_id = make_employer(client)
    job_id = client.post("/api/v1/jobs", json=job_payload(employer_id)).json()["id"].encode()
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    topic = infra.topic("jobs.events")
    assert job_id not in _keys_on(infra.kafka_bootstrap, topic)  # committed, never published

    producer = Producer(infra.kafka_bootstrap)
    try:
        restarted = OutboxRelay(runtime.engine, runtime.tables, producer)
        assert restarted.publish_pending() >= 1
        assert restarted.publish_pending() == 0
    finally:
        producer.close()
    assert _keys_on(infra.kafka_bootstrap, topic).count(job_id) == 1


def test_two_relays_never_publish_the_same_row_twice(client_on: ClientFactory, infra: Infra) -> None:
    client = client_on(infra.kafka_bootstrap, False)
    employer_id = make_employer(client)
    ids = [
        client.post("/api/v1/jobs", json=job_payload(employer_id)).json()["id"].encode() for _ in range(40)
    ]
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    producers = [Producer(infra.kafka_bootstrap) for _ in range(2)]
    relays = [OutboxRelay(runtime.engine, runtime.tables, p, batch_size=5) for p in producers]

    def drain(relay: OutboxRelay) -> None:
        while relay.publish_pending():
            pass

    threads = [threading.Thread(target=drain, args=(r,)) for r in relays]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for p in producers:
        p.close()
    keys = _keys_on(infra.kafka_bootstrap, infra.topic("jobs.events"))
    assert all(keys.count(i) == 1 for i in ids), "a row was published twice or not at all"
