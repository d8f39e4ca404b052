"""Create the event topics and their dead-letter topics (python -m anju_common.topics)."""

from __future__ import annotations

import argparse
import time

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from anju_common.events import TOPICS
from anju_common.settings import ServiceSettings

EVENT_PARTITIONS = 6
DLQ_PARTITIONS = 1
# Event topics are the history every read model is rebuilt from, so they keep every event (no time or size
# limit; sizing in docs/operations.md). Dead letters are for people to look at: 30 days.
EVENT_RETENTION = {"retention.ms": "-1", "retention.bytes": "-1"}
DLQ_RETENTION = {"retention.ms": str(30 * 24 * 3600 * 1000), "retention.bytes": "-1"}


def topic_configs(name: str, min_insync: int) -> dict[str, str]:
    """The configuration Anju wants on one of its topics."""
    retention = DLQ_RETENTION if name.endswith(".dlq") else EVENT_RETENTION
    return {"min.insync.replicas": str(min_insync), **retention}


def wanted_topics(
    prefix: str = "", partitions: int = EVENT_PARTITIONS, replication_factor: int = 1, min_insync: int = 1
) -> list[NewTopic]:
    """Every event topic and its .dlq, replicated replication_factor times, acks=all needing min_insync."""
    if not 1 <= min_insync <= replication_factor:
        raise ValueError(f"min.insync.replicas {min_insync} must be from 1 to {replication_factor}")
    rf = replication_factor
    names = [(f"{prefix}{t}", partitions) for t in TOPICS] + [
        (f"{prefix}{t}.dlq", DLQ_PARTITIONS) for t in TOPICS
    ]
    return [NewTopic(n, parts, rf, topic_configs=topic_configs(n, min_insync)) for n, parts in names]


def ensure_topics(
    bootstrap: str,
    prefix: str = "",
    partitions: int = EVENT_PARTITIONS,
    timeout: float = 60.0,
    *,
    replication_factor: int = 1,
    min_insync: int = 1,
) -> list[str]:
    """Create every event topic and its .dlq if missing, and give existing ones Anju's retention; returns the
    names that were created."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="anju-topics")
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    try:
        existing = set(admin.list_topics())
        wanted = wanted_topics(prefix, partitions, replication_factor, min_insync)
        missing = [t for t in wanted if t.name not in existing]
        created: list[str] = []
        for topic in missing:
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        # Topics made by an older version kept the broker's 7 days: move them to the retention above.
        present = [t for t in wanted if t.name in existing]
        if present:
            admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t.name, configs=t.topic_configs) for t in present]
            )
        return created
    finally:
        admin.close()


def main() -> None:
    """CLI entry point."""
    settings = ServiceSettings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default=settings.kafka_bootstrap)
    parser.add_argument("--prefix", default=settings.topic_prefix)
    parser.add_argument("--partitions", type=int, default=EVENT_PARTITIONS)
    parser.add_argument("--replication-factor", type=int, default=settings.kafka_replication_factor)
    parser.add_argument("--min-insync-replicas", type=int, default=settings.kafka_min_insync_replicas)
    args = parser.parse_args()
    created = ensure_topics(
        args.bootstrap,
        args.prefix,
        args.partitions,
        replication_factor=args.replication_factor,
        min_insync=args.min_insync_replicas,
    )
    print(
        f"topics ready (replication factor {args.replication_factor}, min.insync.replicas "
        f"{args.min_insync_replicas}; {len(created)} created): {', '.join(created) or 'all existed'}"
    )


if __name__ == "__main__":
    main()
