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
def matching_env(minfra: Infra, matching_db: str) -> Iterator[None]:
    """Point the matching settings at this run's database and topics; the zero-employment timer is driven
    by the tests."""
    from matching.config import get_settings

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
    yield
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def matching_app(matching_env: None) -> Iterator[TestClient]:
    """The matching app with its relay and consumer running against the real services (one per run)."""
    from matching.main import make_app

    with TestClient(make_app()) as client:
        yield client
