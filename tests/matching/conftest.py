"""Fixtures of the matching service tests: its own database and topics on the real services."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from anju_common.topics import ensure_topics
from fastapi.testclient import TestClient

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "matching" / "migrations"


@pytest.fixture(scope="session")
def minfra(infra: Infra) -> Infra:
    """The run's infrastructure under a topic prefix of its own, so other services' test consumers in the same
    run never see the events these tests publish (and the other way round)."""
    mine = copy.copy(infra)
    mine.topic_prefix = f"{infra.topic_prefix}m."
    ensure_topics(infra.kafka_bootstrap, mine.topic_prefix, partitions=3)
    return mine


@pytest.fixture(scope="session")
def matching_db(minfra: Infra) -> str:
    """A fresh PostgreSQL database with the matching schema."""
    url = minfra.create_database("matching")
    upgrade(MIGRATIONS, url)
    return url


@pytest.fixture(scope="session")
def matching_app(minfra: Infra, matching_db: str) -> Iterator[TestClient]:
    """The matching app with its relay and consumer running against the real services (one per run).

    The environment points at this run's database and topics only while the settings are read: they are
    cached, so the process keeps them, and the rest of the session (other services' fixtures) never sees
    this suite's topic prefix. The zero-employment timer is driven by the tests.
    """
    from matching.config import get_settings
    from matching.main import make_app

    saved = dict(os.environ)
    os.environ.update(
        minfra.env(
            MATCHING_DATABASE_URL=matching_db,
            MATCHING_ZERO_CHECK_SECONDS="3600",
            ANJU_LOG_JSON="true",
            ANJU_OUTBOX_POLL_SECONDS="0.05",
        )
    )
    get_settings.cache_clear()
    try:
        get_settings()
        client = TestClient(make_app())
        client.__enter__()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield client
    finally:
        client.__exit__(None, None, None)
        get_settings.cache_clear()
