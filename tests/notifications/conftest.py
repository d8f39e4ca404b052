"""Fixtures of the notifications tests: per-test database and topics on the real Kafka/PostgreSQL/Redis, the
real node-smpp SMSC, and a stand-in for the workers service's contact endpoint."""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anju_common.events import Event, parse_event
from anju_common.kafka import Producer
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from anju_common.topics import ensure_topics
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Engine

from tests.notifications.peers import SmppPeer, WorkerDirectory

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notifications" / "migrations"
SERVICE_TOKEN = "test-service-token"
CALLBACK_TOKEN = "test-callback-token"
_seq = itertools.count()


@dataclass
class Stage:
    """One test's private world: database, topic prefix, environment."""

    infra: Infra
    db_url: str
    prefix: str
    env: dict[str, str]
    producer: Producer

    def publish(self, ev: Event) -> None:
        """Put an event on its topic, as the matching service would."""
        self.producer.publish(ev, self.prefix)

    def events(
        self, topic: str = "notifications.events", *, min_count: int = 0, timeout: float = 10.0
    ) -> list[Event]:
        """Events on one of this test's topics (waits for min_count)."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.infra.kafka_bootstrap, enable_auto_commit=False, consumer_timeout_ms=300
        )
        name = f"{self.prefix}{topic}"
        parts = consumer.partitions_for_topic(name) or {0}
        consumer.assign([TopicPartition(name, p) for p in parts])
        consumer.seek_to_beginning()
        out: list[Event] = []
        deadline = time.monotonic() + (timeout if min_count else 1.5)
        try:
            while time.monotonic() < deadline:
                for batch in consumer.poll(timeout_ms=200).values():
                    out.extend(parse_event(r.value) for r in batch)
                if min_count and len(out) >= min_count:
                    for batch in consumer.poll(timeout_ms=300).values():
                        out.extend(parse_event(r.value) for r in batch)
                    break
            return out
        finally:
            consumer.close()

    def events_of(self, cls: type[Event], **kw: Any) -> list[Any]:
        """Events of one class."""
        return [e for e in self.events(**kw) if isinstance(e, cls)]


def _await_metadata(bootstrap: str, topics: list[str]) -> None:
    """Wait until the broker serves metadata for new topics (else a consumer may join with no partitions)."""
    probe = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        for topic in topics:
            deadline = time.monotonic() + 15
            while not probe.partitions_for_topic(topic) and time.monotonic() < deadline:
                probe.topics()  # forces a metadata refresh
                time.sleep(0.1)
    finally:
        probe.close()


@pytest.fixture(scope="session")
def directory() -> Iterator[WorkerDirectory]:
    """The workers service's contact endpoint, as a stand-in."""
    d = WorkerDirectory(token=SERVICE_TOKEN)
    d.start()
    yield d
    d.stop()


@pytest.fixture(scope="session")
def producer(infra: Infra) -> Iterator[Producer]:
    """A producer for test events."""
    p = Producer(infra.kafka_bootstrap, client_id="notifications-tests")
    yield p
    p.close()


@pytest.fixture
def smsc(tmp_path: Path) -> Iterator[SmppPeer]:
    """A fresh node-smpp SMSC for this test."""
    peer = SmppPeer(tmp_path)
    yield peer
    peer.stop()


@pytest.fixture
def stage_factory(
    infra: Infra, directory: WorkerDirectory, producer: Producer, tmp_path: Path
) -> Callable[..., Stage]:
    """Builds a private stage (fresh database, fresh topics) with settings overrides."""

    def make(smsc: SmppPeer | None = None, **overrides: str) -> Stage:
        db_url = infra.create_database("notifications")
        upgrade(MIGRATIONS, db_url)
        prefix = f"{infra.topic_prefix}n{next(_seq)}{uuid.uuid4().hex[:4]}."
        ensure_topics(infra.kafka_bootstrap, prefix, partitions=3)
        topics = ("matching.events", "jobs.events", "workers.events", "notifications.events")
        _await_metadata(infra.kafka_bootstrap, [f"{prefix}{t}" for t in topics])
        env = infra.env(
            ANJU_TOPIC_PREFIX=prefix,
            ANJU_OUTBOX_POLL_SECONDS="0.05",
            ANJU_SERVICE_TOKEN=SERVICE_TOKEN,
            NOTIFICATIONS_DATABASE_URL=db_url,
            NOTIFICATIONS_WORKERS_URL=directory.url,
            NOTIFICATIONS_CALLBACK_TOKEN=CALLBACK_TOKEN,
            NOTIFICATIONS_DISPATCH_POLL_SECONDS="0.05",
            NOTIFICATIONS_WEBHOOK_POLL_SECONDS="0.1",
            NOTIFICATIONS_FEED_POLL_SECONDS="0.1",
            NOTIFICATIONS_RETRY_BASE_SECONDS="0.2",
            NOTIFICATIONS_QUIET_START="00:00",
            NOTIFICATIONS_QUIET_END="00:00",
            NOTIFICATIONS_OUTBOX_FILE=str(tmp_path / "sms-outbox.jsonl"),
        )
        if smsc is not None:
            env.update(
                NOTIFICATIONS_PROVIDER="smpp",
                NOTIFICATIONS_SMPP_PORT=str(smsc.port),
                NOTIFICATIONS_SMPP_RESPONSE_TIMEOUT_SECONDS="3",
            )
        env.update(overrides)
        return Stage(infra=infra, db_url=db_url, prefix=prefix, env=env, producer=producer)

    return make


@pytest.fixture
def run_app() -> Iterator[Callable[[Stage], TestClient]]:
    """Starts the notifications app (relay, consumer, dispatcher, webhooks) for a stage; stops it after."""
    from anju_common.clock import CLOCK
    from notifications.config import get_settings

    saved = dict(os.environ)
    clients: list[TestClient] = []

    def start(stage: Stage) -> TestClient:
        os.environ.clear()
        os.environ.update(stage.env)
        get_settings.cache_clear()
        from notifications.main import make_app

        client = TestClient(make_app())
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in reversed(clients):
        client.__exit__(None, None, None)
    CLOCK.set(None)
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


def engine_of(client: TestClient) -> Engine:
    """The running app's engine."""
    engine: Engine = client.app.state.runtime.engine  # type: ignore[attr-defined]
    return engine
