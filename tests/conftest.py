"""Shared pytest set-up: the real-infrastructure fixtures live in anju_common.testing."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import pytest

pytest_plugins = ["anju_common.testing"]

# Modules that share the one e2e stack of a session (tests/e2e/conftest.py): under pytest-xdist they run on
# one worker, so the stack starts once. Modules listed in OWN_STACK start a stack of their own.
SHARED_STACK_DIRS = ("e2e", "security", "console")
OWN_STACK = ("test_months_after_the_hire.py", "test_fuzz.py")


def xdist_group_of(path: Path) -> str:
    """The xdist group of a test module: the shared stack's, else the module itself (its fixtures once)."""
    parts = path.parts
    if "tests" in parts:
        inside = parts[parts.index("tests") + 1 :]
        if inside and inside[0] in SHARED_STACK_DIRS and path.name not in OWN_STACK:
            return "shared-stack"
        return "/".join(inside)
    return path.name


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group tests for `--dist loadgroup`: a module stays on one worker, as do the shared-stack modules."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group_of(Path(str(item.path)))))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    """A run stopped by SIGTERM (a CI timeout, `kill`) tears its fixtures down like Ctrl-C, so the service
    processes it started (their own sessions, out of reach of the signal) are stopped, not orphaned."""
    signal.signal(signal.SIGTERM, _interrupt)
