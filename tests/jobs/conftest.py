"""Fixtures of the jobs service tests: its own database and topic prefix on the real services."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from fastapi.testclient import TestClient

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "jobs" / "migrations"


@pytest.fixture(scope="session")
def jobs_db(infra: Infra) -> str:
    """A fresh PostgreSQL database with the jobs schema."""
    url = infra.create_database("jobs")
    upgrade(MIGRATIONS, url)
    return url


@pytest.fixture
def jobs_env(infra: Infra, jobs_db: str) -> Iterator[None]:
    """Point the jobs settings at this run's database, topics and a private consumer group."""
    from jobs.config import get_settings

    saved = dict(os.environ)
    os.environ.update(
        infra.env(
            JOBS_DATABASE_URL=jobs_db,
            JOBS_EXPIRY_CHECK_SECONDS="3600",
            ANJU_LOG_JSON="true",
            ANJU_OUTBOX_POLL_SECONDS="0.05",
        )
    )
    get_settings.cache_clear()
    yield
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


@pytest.fixture
def jobs_client(jobs_env: None) -> Iterator[TestClient]:
    """The jobs app with its relay and consumer running against the real services."""
    from jobs.main import make_app

    with TestClient(make_app()) as client:
        yield client
