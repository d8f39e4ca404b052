"""Database engine and session helpers: one engine per service, commits only at the boundary."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

# A connection back from the pool within this many seconds is used without a ping: a busy service would
# otherwise pay a round trip per transaction. One idle for longer may have been cut (a database restart, a
# firewall's idle timeout), so it is pinged and replaced when dead.
PING_AFTER_IDLE_SECONDS = 2.0

# Keep Chinese text readable (and searchable with LIKE) inside JSON columns.
_json = partial(json.dumps, ensure_ascii=False)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine tuned for the backend (WAL, FK checks / idle ping); errors never show bound values."""
    if url.startswith("sqlite"):
        kwargs: dict[str, object] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, echo=echo, json_serializer=_json, hide_parameters=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: object, _: object) -> None:
            cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # hide_parameters: errors never carry bound values (names, phone ciphertexts, hashes) into logs.
    engine = create_engine(
        url, echo=echo, json_serializer=_json, hide_parameters=True, pool_size=10, max_overflow=20
    )
    ping_when_idle(engine)
    return engine


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection on checkout only when it sat idle longer than idle_seconds; a dead one is
    discarded and the pool connects anew (SQLAlchemy's pre-ping, without a round trip per transaction)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: object, record: Any) -> None:
        record.info["anju_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: object) -> None:
        since = record.info.pop("anju_idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("idle connection is gone") from exc


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def ping(engine: Engine) -> None:
    """Raise unless the database answers."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def is_postgres(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def enum_type(enum: type[StrEnum]) -> SAEnum:
    """Store a StrEnum as its value in a plain VARCHAR, so adding a value needs no type migration."""
    return SAEnum(
        enum,
        native_enum=False,
        length=32,
        create_constraint=False,
        values_callable=lambda members: [m.value for m in members],
    )
