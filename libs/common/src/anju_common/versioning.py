"""Optimistic concurrency on rows: every change bumps the version the next If-Match must name."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from anju_common.clock import utcnow


class Versioned(Protocol):
    """A row with a version counter and a last-change time."""

    version: int
    updated_at: datetime


def bump(session: Session, row: Versioned, *, at: datetime | None = None, flush: bool = True) -> None:
    """Record a change of row: next version, updated now (or at), added to the session and flushed (unless
    told not to)."""
    row.version += 1
    row.updated_at = at or utcnow()
    session.add(row)
    if flush:
        session.flush()
