"""The kit clock: pinned by a test in-process, or moved for a whole stack through a followed file."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anju_common.clock import Clock, write_offset
from anju_common.settings import InsecureSettingsError, ServiceSettings


def _settle() -> None:
    time.sleep(0.06)  # longer than the clock's re-check interval


def test_a_followed_file_moves_now_and_follows_every_later_write(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "clock"
    write_offset(path, timedelta(days=31))
    clock.follow(path)
    assert clock.now() - datetime.now(UTC) > timedelta(days=30, hours=23)
    write_offset(path, timedelta(days=94))
    _settle()
    assert clock.now() - datetime.now(UTC) > timedelta(days=93, hours=23)
    path.unlink()
    _settle()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_pinned_instant_wins_over_the_file_and_a_bad_file_keeps_the_last_offset(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "clock"
    write_offset(path, timedelta(hours=5))
    clock.follow(path)
    path.write_text("not a number", encoding="utf-8")
    _settle()
    assert clock.now() - datetime.now(UTC) > timedelta(hours=4, minutes=59)
    pinned = datetime(2027, 1, 5, 2, 30, tzinfo=UTC)
    clock.set(pinned)
    assert clock.now() == pinned
    clock.set(None)
    clock.follow(None)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_production_refuses_a_test_clock(tmp_path: Path) -> None:
    with pytest.raises(InsecureSettingsError, match="ANJU_CLOCK_FILE"):
        ServiceSettings(env="production", clock_file=tmp_path / "clock").follow_test_clock()
    ServiceSettings(env="production").follow_test_clock()  # no file: nothing to refuse
