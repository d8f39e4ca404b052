"""A test run removes its topics from the shared broker when it ends, and nobody else's."""

from __future__ import annotations

import pytest
from anju_common.testing import Infra, wait_for
from anju_common.topics import ensure_topics
from kafka import KafkaAdminClient

pytestmark = pytest.mark.integration


def test_drop_topics_deletes_the_runs_topics_only(infra: Infra) -> None:
    run = Infra()  # a run of its own, so this session's topics stay
    other = Infra()
    ensure_topics(infra.kafka_bootstrap, f"{run.topic_prefix}a.", partitions=1)
    ensure_topics(infra.kafka_bootstrap, other.topic_prefix, partitions=1)
    admin = KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    try:

        def names(prefix: str) -> set[str]:
            return {t for t in admin.list_topics() if t.startswith(prefix)}

        assert len(names(run.topic_prefix)) == 8
        assert run.drop_topics() == 8
        assert wait_for(lambda: not names(run.topic_prefix), timeout=30)
        assert len(names(other.topic_prefix)) == 8
        assert other.drop_topics() == 8
    finally:
        admin.close()
