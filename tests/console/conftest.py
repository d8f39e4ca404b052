"""Fixtures of the console tests: the e2e stack, the console in front of it, a demo site and a browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from anju_common.testing import Infra

from tests.console.harness import World, browser_available, build_world, make_browser, start_console
from tests.e2e.conftest import shared_stack, stop_shared_stack
from tests.e2e.harness import Proc, Stack


@pytest.fixture(scope="session")
def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The same stack as tests/e2e (started once per session)."""
    yield shared_stack(infra, tmp_path_factory)
    stop_shared_stack()


@pytest.fixture(scope="session")
def console(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    """The console process, in front of the stack's gateway."""
    proc = start_console(stack, tmp_path_factory.mktemp("console"))
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def world(stack: Stack) -> World:
    """A small demo site and its office account."""
    return build_world(stack)


@pytest.fixture
def browser() -> Iterator[Any]:
    """A fresh headless chromium per test."""
    if not browser_available():
        pytest.skip("chromium and chromedriver are not installed (deploy/local/install.sh installs them)")
    driver = make_browser()
    yield driver
    driver.quit()
