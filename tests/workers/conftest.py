"""Fixtures of the workers service tests: its own database and topic prefix on the real services."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from fastapi.testclient import TestClient

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "workers" / "migrations"


@pytest.fixture(scope="session")
def workers_db(infra: Infra) -> str:
    """A fresh PostgreSQL database with the workers schema."""
    url = infra.create_database("workers")
    upgrade(MIGRATIONS, url)
    return url


@pytest.fixture(scope="session")
def workers_env(infra: Infra, workers_db: str) -> Iterator[None]:
    """Point the workers settings at this run's database, topics and a private consumer group."""
    from workers.config import get_settings

    saved = dict(os.environ)
    os.environ.update(
        infra.env(
            WORKERS_DATABASE_URL=workers_db,
            ANJU_LOG_JSON="true",
            ANJU_OUTBOX_POLL_SECONDS="0.05",
            WORKERS_FOLLOW_UP_CHECK_SECONDS="0.2",
        )
    )
    get_settings.cache_clear()
    yield
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def workers_app(workers_env: None) -> Iterator[TestClient]:
    """The workers app with its relay and consumer running against the real services (one per run:
    joining a consumer group takes seconds)."""
    from workers.main import make_app

    with TestClient(make_app()) as client:
        yield client


@pytest.fixture
def workers_client(workers_app: TestClient) -> TestClient:
    """The shared client, acting as the local admin unless a test sends a principal header."""
    return workers_app
