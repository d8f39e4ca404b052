"""The e2e stack: every service as a real process behind the gateway (shared with tests/security)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from anju_common.testing import Infra

from tests.e2e.harness import Stack, start_stack

_stack: Stack | None = None


@pytest.fixture(scope="session")
def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start the stack once per test session; stop it before the run's databases are dropped."""
    yield shared_stack(infra, tmp_path_factory)
    stop_shared_stack()


def shared_stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """The one stack of this session (tests/security and tests/e2e use the same processes)."""
    global _stack
    if _stack is None:
        _stack = start_stack(infra, tmp_path_factory.mktemp("stack"))
    return _stack


def stop_shared_stack() -> None:
    """Stop the stack's processes (idempotent)."""
    global _stack
    if _stack is not None:
        _stack.stop()
        _stack = None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Never leave service processes behind."""
    stop_shared_stack()
