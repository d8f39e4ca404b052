"""Pytest fixtures for tests against the real PostgreSQL, Redis and Kafka (isolated per test run)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from anju_common.kafka import kafka_reachable
from anju_common.topics import ensure_topics

# Tests may use the public development secrets; a service started by a test that wants the production
# checks sets ANJU_ENV itself (the e2e harness does, with random secrets).
os.environ["ANJU_ENV"] = "test"
PG_URL = os.environ.get("ANJU_PG_URL", "postgresql+psycopg://anju:anju@127.0.0.1:5432")
KAFKA = os.environ.get("ANJU_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
REDIS_URL = os.environ.get("ANJU_REDIS_URL", "redis://127.0.0.1:6379/0")
REPO_ROOT = Path(__file__).resolve().parents[4]


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll until the predicate returns something truthy; returns it (or the last falsy value)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def topic_records(bootstrap: str, topic: str) -> list[Any]:
    """Every record a topic holds now, from the beginning of each partition (on any broker)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=500)
    try:
        parts = wait_for(lambda: consumer.partitions_for_topic(topic), timeout=10) or {0}
        tps = [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(tps)
        records: list[Any] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for batch in consumer.poll(timeout_ms=500).values():
                records += batch
        return records
    finally:
        consumer.close()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class Infra:
    """Names and helpers for one test run: its own databases, topic prefix and Redis namespace."""

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:10]
        self.topic_prefix = f"t{self.run_id}."
        self.kafka_bootstrap = KAFKA
        self.redis_url = REDIS_URL
        self.pg_url = PG_URL
        self._databases: list[str] = []

    def topic(self, name: str) -> str:
        """The run's physical name of a logical topic."""
        return f"{self.topic_prefix}{name}"

    def create_database(self, service: str) -> str:
        """Create a fresh PostgreSQL database; returns its SQLAlchemy URL."""
        name = f"anju_t{self.run_id}_{service}_{len(self._databases)}"
        with psycopg.connect(_libpq(f"{self.pg_url}/postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self._databases.append(name)
        return f"{self.pg_url}/{name}"

    def drop_databases(self) -> None:
        """Drop every database this run created."""
        with psycopg.connect(_libpq(f"{self.pg_url}/postgres"), autocommit=True) as conn:
            for name in self._databases:
                for attempt in range(10):
                    try:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                        break
                    except psycopg.errors.InsufficientPrivilege:
                        # FORCE may not end a backend of the server's own (an autovacuum worker busy in
                        # that database, which a big run leaves behind): it ends soon, so try again.
                        if attempt == 9:
                            raise
                        time.sleep(1.0)

    def drop_topics(self) -> int:
        """Delete every topic of this run from the shared broker (a broker that keeps thousands of old
        partitions takes minutes to start); returns how many. Best effort: a failure is not the test's."""
        try:
            admin = KafkaAdminClient(bootstrap_servers=self.kafka_bootstrap, request_timeout_ms=30_000)
        except KafkaError:
            return 0
        try:
            mine = [t for t in admin.list_topics() if t.startswith(self.topic_prefix)]
            for start in range(0, len(mine), 100):
                admin.delete_topics(mine[start : start + 100], timeout_ms=30_000)
            return len(mine)
        except KafkaError:
            return 0
        finally:
            admin.close()

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a service process started by a test."""
        env = dict(os.environ)
        env.update(
            ANJU_DB="postgres",
            ANJU_PG_URL=self.pg_url,
            ANJU_KAFKA_BOOTSTRAP=self.kafka_bootstrap,
            ANJU_REDIS_URL=self.redis_url,
            ANJU_TOPIC_PREFIX=self.topic_prefix,
            ANJU_LOG_JSON="true",
        )
        env.update(extra)
        return env

    def consumer(self, *topics: str, group: str | None = None) -> KafkaConsumer:
        """A plain kafka-python consumer from the earliest offset (no project code involved)."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.kafka_bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=500,
        )
        consumer.assign([TopicPartition(self.topic(t), p) for t in topics for p in self.partitions(t)])
        consumer.seek_to_beginning()
        return consumer

    def partitions(self, topic: str) -> list[int]:
        """Partition numbers of a run topic."""
        probe = KafkaConsumer(bootstrap_servers=self.kafka_bootstrap)
        try:
            parts = wait_for(lambda: probe.partitions_for_topic(self.topic(topic)), timeout=10)
            return sorted(parts or [0])
        finally:
            probe.close()

    def read_topic(self, topic: str, *, min_count: int = 0, timeout: float = 15.0) -> list[Any]:
        """Every record now in a run topic (read up to its end offsets), waiting for at least min_count."""
        consumer = self.consumer(topic)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        try:
            parts = list(consumer.assignment())
            while time.monotonic() < deadline:
                for batch in consumer.poll(timeout_ms=200).values():
                    records.extend(batch)
                ends = consumer.end_offsets(parts)
                caught_up = all(consumer.position(tp) >= ends[tp] for tp in parts)
                if caught_up and len(records) >= min_count:
                    break
        finally:
            consumer.close()
        return records


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now and this process has not handed out."""
    # The kernel may give the same free port to two binds in a row: two services of one stack would then
    # be told the same port before either listens, and the second's /readyz would be answered by the first.
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class PrivateBroker:
    """A second Kafka broker of this test's own (started by deploy/local/kafka.sh), free to stop and start."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update(
            ANJU_VAR_DIR=str(var_dir),
            ANJU_KAFKA_PORT=str(self.port),
            ANJU_KAFKA_CONTROLLER_PORT=str(free_port()),
            ANJU_KAFKA_BOOTSTRAP=self.bootstrap,
            ANJU_KAFKA_HEAP="384m",
            ANJU_KAFKA_BROKERS="1",
            ANJU_KAFKA_REPLICATION_FACTOR="1",
            ANJU_KAFKA_MIN_INSYNC_REPLICAS="1",
        )
        self.env.pop("ANJU_KAFKA_PORTS", None)
        self.env.pop("ANJU_KAFKA_CONTROLLER_PORTS", None)

    def _script(self, action: str) -> None:
        subprocess.run(
            ["bash", str(REPO_ROOT / "deploy" / "local" / "kafka.sh"), action],
            env=self.env,
            check=True,
            timeout=180,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        """Start (or restart) the broker and wait until it answers."""
        self._script("start")

    def stop(self) -> None:
        """Stop the broker gracefully; its data stays on disk."""
        self._script("stop")


def _require(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(
            f"{what} is not reachable: start the local stack with `make infra` (deploy/local/stack.sh)"
        )


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    """The real PostgreSQL, Kafka and Redis, with names private to this test run."""
    _require(kafka_reachable(KAFKA), f"Kafka at {KAFKA}")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        _require(False, f"Redis at {REDIS_URL}")
    run = Infra()
    try:
        with psycopg.connect(_libpq(f"{PG_URL}/postgres"), connect_timeout=3):
            pass
    except psycopg.Error:
        _require(False, f"PostgreSQL at {PG_URL}")
    ensure_topics(KAFKA, run.topic_prefix, partitions=3)
    yield run
    run.drop_databases()
    run.drop_topics()


@pytest.fixture(scope="module")
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    """A Kafka broker that only this test module uses, so it may stop it (the shared one never stops)."""
    broker = PrivateBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    yield broker
    broker.stop()
