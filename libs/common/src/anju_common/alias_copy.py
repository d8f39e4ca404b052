"""A service's read copy of the vocabulary aliases admins add in matching (taxonomy.alias_* events).

Matching owns the aliases; a service that reads skills (workers' ?skill=, jobs' read-back) keeps the
alias -> trade pairs from matching's events in its own `taxonomy_alias` table and builds its vocabulary
from them. Every process re-reads the table when it changed (checked at most every `refresh_seconds`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session

from anju_common.events import TaxonomyAliasAdded, TaxonomyAliasRemoved

V = TypeVar("V")


def define_alias_table(metadata: MetaData) -> Table:
    """The taxonomy_alias read-copy table on a service's metadata."""
    return Table(
        "taxonomy_alias",
        metadata,
        Column("key", String(100), primary_key=True),
        Column("trade_id", String(100), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


class AliasCopy(Generic[V]):
    """The aliases of one service's table and the value (a vocabulary) built from them, kept fresh."""

    def __init__(self, table: Table, build: Callable[[dict[str, str]], V], refresh_seconds: float = 5.0):
        self.table = table
        self.build = build
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._value: V | None = None
        self._signature: tuple[int, str] | None = None
        self._checked = 0.0

    def _sig(self, session: Session) -> tuple[int, str]:
        n, last = session.execute(select(func.count(), func.max(self.table.c.updated_at))).one()
        return int(n), str(last)

    def get(self, session: Session | None = None) -> V:
        """The current value; with a session, re-read the table when it may have changed."""
        if session is not None and (
            self._value is None or time.monotonic() - self._checked >= self.refresh_seconds
        ):
            return self.refresh(session)
        if self._value is None:
            self._value = self.build({})
        return self._value

    def refresh(self, session: Session, *, force: bool = False) -> V:
        """Rebuild the value when the table changed (or always, with force)."""
        sig = self._sig(session)
        with self._lock:
            self._checked = time.monotonic()
            if self._value is not None and sig == self._signature and not force:
                return self._value
            rows = session.execute(select(self.table.c.key, self.table.c.trade_id)).all()
            self._value, self._signature = self.build({k: t for k, t in rows}), sig
            return self._value

    def apply(self, session: Session, event: TaxonomyAliasAdded | TaxonomyAliasRemoved) -> V:
        """Store or drop the alias of an event, then rebuild."""
        d = event.data
        if isinstance(event, TaxonomyAliasRemoved):
            session.execute(delete(self.table).where(self.table.c.key == d.key))
        else:
            stmt = insert(self.table).values(key=d.key, trade_id=d.trade_id, updated_at=event.time)
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[self.table.c.key],
                    set_={"trade_id": d.trade_id, "updated_at": event.time},
                )
            )
        session.flush()
        return self.refresh(session, force=True)
