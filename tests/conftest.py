"""Shared pytest set-up: the real-infrastructure fixtures live in anju_common.testing."""

from __future__ import annotations

import signal
from types import FrameType

import pytest

pytest_plugins = ["anju_common.testing"]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    """A run stopped by SIGTERM (a CI timeout, `kill`) tears its fixtures down like Ctrl-C, so the service
    processes it started (their own sessions, out of reach of the signal) are stopped, not orphaned."""
    signal.signal(signal.SIGTERM, _interrupt)
