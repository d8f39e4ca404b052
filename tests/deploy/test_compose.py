"""docker-compose.yml plus deploy/docker/compose.kafka3.yml describe a consistent three-broker cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
APPS = ["jobs", "workers", "matching", "notifications", "gateway"]


def merge(base: Any, over: Any) -> Any:
    """Compose's merge of an override file: maps merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(base.get(key), value) if key in base else value
        return out
    return over


def composed() -> dict[str, Any]:
    """The services of the two files merged."""
    base = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    over = yaml.safe_load((REPO / "deploy/docker/compose.kafka3.yml").read_text())
    merged: dict[str, Any] = merge(base, over)
    return merged


def test_three_brokers_form_one_quorum_with_replication_three() -> None:
    c = composed()
    brokers = {n: c["services"][n]["environment"] for n in ("kafka", "kafka-2", "kafka-3")}
    assert sorted(int(e["KAFKA_NODE_ID"]) for e in brokers.values()) == [1, 2, 3]
    voters = {e["KAFKA_CONTROLLER_QUORUM_VOTERS"] for e in brokers.values()}
    assert voters == {"1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"}
    assert len({e["CLUSTER_ID"] for e in brokers.values()}) == 1
    for name, env in brokers.items():
        assert f"INTERNAL://{name}:19092" in env["KAFKA_ADVERTISED_LISTENERS"]
        assert int(env["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == 3
        assert int(env["KAFKA_MIN_INSYNC_REPLICAS"]) == 2
        assert int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 3
    host_ports = [p for n in ("kafka", "kafka-2", "kafka-3") for p in c["services"][n]["ports"]]
    assert len(set(host_ports)) == 3
    assert {"kafka-2-data", "kafka-3-data"} <= set(c["volumes"])


def test_every_client_knows_all_three_brokers_and_topics_are_replicated() -> None:
    c = composed()
    for name in [*APPS, "topics"]:
        env = c["services"][name]["environment"]
        assert env["ANJU_KAFKA_BOOTSTRAP"] == "kafka:19092,kafka-2:19092,kafka-3:19092", name
        assert env["ANJU_REDIS_URL"] == "redis://redis:6379/0", name
    topics = c["services"]["topics"]["environment"]
    assert topics["ANJU_KAFKA_REPLICATION_FACTOR"] == "3"
    assert topics["ANJU_KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    assert set(c["services"]["topics"]["depends_on"]) == {"kafka", "kafka-2", "kafka-3"}


def test_the_default_file_alone_stays_one_broker() -> None:
    base = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert "kafka-2" not in base["services"]
    assert int(base["services"]["kafka"]["environment"]["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == 1
