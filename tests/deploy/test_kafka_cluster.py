"""ANJU_KAFKA_BROKERS=3: three KRaft nodes, topics with replication factor 3 that survive a killed broker."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from anju_common.events import JobClosed, JobClosedData
from anju_common.kafka import Producer
from anju_common.testing import free_port, wait_for
from anju_common.topics import ensure_topics, wanted_topics
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import ConfigResource, ConfigResourceType

REPO = Path(__file__).resolve().parents[2]


class Cluster:
    """Three brokers of this test's own, started and stopped by deploy/local/kafka.sh."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.ports = [free_port() for _ in range(3)]
        self.bootstrap = ",".join(f"127.0.0.1:{p}" for p in self.ports)
        self.env = dict(os.environ)
        self.env.update(
            ANJU_VAR_DIR=str(var_dir),
            ANJU_KAFKA_BROKERS="3",
            ANJU_KAFKA_PORT=str(self.ports[0]),
            ANJU_KAFKA_PORTS=",".join(map(str, self.ports)),
            ANJU_KAFKA_CONTROLLER_PORTS=",".join(str(free_port()) for _ in range(3)),
            ANJU_KAFKA_BOOTSTRAP=self.bootstrap,
            ANJU_KAFKA_REPLICATION_FACTOR="3",
            ANJU_KAFKA_MIN_INSYNC_REPLICAS="2",
            ANJU_KAFKA_HEAP="384m",
            ANJU_KAFKA_START_TIMEOUT="600",
        )

    def script(self, *args: str) -> str:
        """Run kafka.sh with this cluster's environment; returns its output."""
        done = subprocess.run(
            ["bash", str(REPO / "deploy/local/kafka.sh"), *args],
            env=self.env,
            check=True,
            timeout=700,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def pid(self, node: int) -> int:
        """The pid kafka.sh recorded for a node."""
        return int((self.var_dir / "run" / f"kafka-{node}.pid").read_text().strip())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A running three-node cluster, stopped at the end whatever happened."""
    c = Cluster(tmp_path_factory.mktemp("kafka3"))
    try:
        c.script("start")
        yield c
    finally:
        c.script("stop")


def test_wanted_topics_carry_the_replication_settings() -> None:
    topics = wanted_topics("p.", partitions=6, replication_factor=3, min_insync=2)
    assert topics and all(t.replication_factor == 3 for t in topics)
    assert all(t.topic_configs["min.insync.replicas"] == "2" for t in topics)
    # Event topics keep every event (read models rebuild from them); dead letters keep 30 days.
    assert {t.topic_configs["retention.ms"] for t in topics if not t.name.endswith(".dlq")} == {"-1"}
    assert {t.topic_configs["retention.ms"] for t in topics if t.name.endswith(".dlq")} == {"2592000000"}
    assert {t.num_partitions for t in topics if not t.name.endswith(".dlq")} == {6}
    with pytest.raises(ValueError, match=r"min\.insync\.replicas"):
        wanted_topics(replication_factor=1, min_insync=2)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.standalone
def test_three_brokers_keep_producing_and_consuming_with_one_killed(cluster: Cluster) -> None:
    status = cluster.script("status")
    assert status.count("running (pid") == 3, status
    prefix = f"k3{uuid.uuid4().hex[:6]}."
    ensure_topics(cluster.bootstrap, prefix, partitions=3, replication_factor=3, min_insync=2, timeout=120)
    topic = f"{prefix}jobs.events"
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, request_timeout_ms=30000)
    try:
        (described,) = admin.describe_topics([topic])
        assert {len(p["replica_nodes"]) for p in described["partitions"]} == {3}
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        value = configs["topic"][topic]["min.insync.replicas"]
        assert (value["value"] if isinstance(value, dict) else value) == "2", value
    finally:
        admin.close()

    os.kill(cluster.pid(2), signal.SIGKILL)
    producer = Producer(cluster.bootstrap, client_id="cluster-test")
    subjects = []
    try:
        for _ in range(20):
            job_id = uuid.uuid4()
            ev = JobClosed.build(
                JobClosedData(job_id=job_id, employer_id=uuid.uuid4(), reason="filled", version=1),
                subject=job_id,
            )
            # acks=all with min.insync.replicas 2: acknowledged by the two brokers left.
            assert wait_for(functools.partial(_try_publish, producer, ev, prefix), timeout=120)
            subjects.append(str(job_id))
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=cluster.bootstrap,
        group_id=f"{prefix}reader",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        reconnect_backoff_max_ms=1000,
    )
    seen: set[str] = set()
    try:

        def read_all() -> bool:
            for batch in consumer.poll(timeout_ms=1000).values():
                seen.update(r.key.decode() for r in batch)
            return set(subjects) <= seen

        assert wait_for(read_all, timeout=180, interval=0.1), f"read {len(seen)} of {len(subjects)}"
        consumer.commit()
    finally:
        consumer.close()
    cluster.script("start-node", "2")
    assert "kafka node 2/3: running" in cluster.script("status")


def _try_publish(producer: Producer, ev: JobClosed, prefix: str) -> bool:
    try:
        producer.publish(ev, prefix)
        return True
    except Exception:
        producer.reset()
        return False
