"""Pooled PostgreSQL connections: one reused at once is not pinged (no round trip per transaction); one that
sat idle is, and when the server cut it meanwhile the pool replaces it and the work goes through."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from anju_common.db import make_engine, ping_when_idle, session_scope
from anju_common.testing import Infra
from sqlalchemy import Engine, create_engine, text

pytestmark = pytest.mark.integration


def _pid(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _counting_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counted(conn: Any) -> bool:
        pings.append(1)
        return bool(real(conn))

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


@pytest.fixture
def url(infra: Infra) -> Iterator[str]:
    yield infra.create_database("kitping")


def test_a_busy_pool_does_not_ping(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(url)
    pings = _counting_pings(engine, monkeypatch)
    pids = {_pid(engine) for _ in range(20)}
    assert len(pids) == 1, "one pooled connection, reused"
    assert pings == []
    engine.dispose()


def test_an_idle_connection_is_pinged_and_replaced_when_the_server_cut_it(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=0.2)
    pings = _counting_pings(engine, monkeypatch)
    first = _pid(engine)
    time.sleep(0.3)
    assert _pid(engine) == first, "idle but alive: pinged and kept"
    assert len(pings) == 1

    killer = create_engine(url)
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar_one() is True
    killer.dispose()
    time.sleep(0.3)
    second = _pid(engine)  # would raise "server closed the connection" without the ping
    assert second != first
    assert len(pings) == 2
    engine.dispose()
