"""Event topics keep every event (read models are rebuilt from them); old topics are moved to that."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from anju_common.events import TOPICS
from anju_common.testing import Infra, wait_for
from anju_common.topics import ensure_topics
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

pytestmark = pytest.mark.integration
WEEK_MS = str(7 * 24 * 3600 * 1000)


def _described(admin: KafkaAdminClient, names: list[str]) -> dict[str, dict[str, Any]] | None:
    resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
    topics = admin.describe_configs(resources, config_filter="all").get("topic", {})
    out = {n: {k: v["value"] for k, v in (topics.get(n) or {}).items() if isinstance(v, dict)} for n in names}
    # A topic created a moment ago may not be described by every broker yet.
    return out if all("retention.ms" in c for c in out.values()) else None


def _configs(admin: KafkaAdminClient, names: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] | None = wait_for(lambda: _described(admin, names), timeout=20)
    assert found, f"topics not described: {names}"
    return found


def test_event_topics_keep_every_event_and_an_old_weeklong_topic_is_moved_to_that(infra: Infra) -> None:
    prefix = f"{infra.topic_prefix}ret{uuid.uuid4().hex[:4]}."
    admin = KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    try:
        # A topic as an earlier version made it: the broker's week of retention.
        old = f"{prefix}{TOPICS[0]}"
        admin.create_topics([NewTopic(old, 1, 1, topic_configs={"retention.ms": WEEK_MS})])
        assert _configs(admin, [old])[old]["retention.ms"] == WEEK_MS
        ensure_topics(infra.kafka_bootstrap, prefix, partitions=1)
        events = [f"{prefix}{t}" for t in TOPICS]
        dlqs = [f"{t}.dlq" for t in events]
        configs = _configs(admin, events + dlqs)
        for name in events:
            assert configs[name]["retention.ms"] == "-1", name
            assert configs[name]["retention.bytes"] == "-1", name
        for name in dlqs:
            assert configs[name]["retention.ms"] == str(30 * 24 * 3600 * 1000), name
    finally:
        admin.close()
