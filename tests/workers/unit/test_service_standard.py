"""The service standard's pure rules: the configured minimum, shortfalls, the year in the offices' zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from workers import service_standard
from workers.config import get_settings
from workers.departure_schemas import ServiceCounts


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_standard_is_configurable(monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> None:
    assert service_standard.standard() == ServiceCounts(recommendation=3, guidance=1, training_notice=1)
    monkeypatch.setenv("WORKERS_STANDARD_RECOMMENDATIONS", "5")
    monkeypatch.setenv("WORKERS_STANDARD_GUIDANCE_CONTACTS", "2")
    monkeypatch.setenv("WORKERS_STANDARD_TRAINING_NOTICES", "0")
    get_settings.cache_clear()
    assert service_standard.standard() == ServiceCounts(recommendation=5, guidance=2, training_notice=0)


def test_shortfalls_never_negative() -> None:
    std = ServiceCounts(recommendation=3, guidance=1, training_notice=1)
    got = ServiceCounts(recommendation=4, guidance=0, training_notice=1)
    missing = ServiceCounts(recommendation=0, guidance=1, training_notice=0)
    assert service_standard.shortfalls(got, std) == missing


def test_year_is_the_offices_calendar_year(fresh_settings: None) -> None:
    start, end = service_standard.year_bounds(2026)
    assert start.astimezone(UTC) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
