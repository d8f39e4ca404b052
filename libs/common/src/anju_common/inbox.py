"""The consumer inbox: ids of the events a consumer has handled, written in the handler's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from anju_common.clock import utcnow
from anju_common.event_tables import EventTables
from anju_common.events import Event

# Set on a session whose batch looked up all its event ids at once (handlers may skip their own checks).
_CHECKED = "anju_inbox_checked"


def already_processed(session: Session, tables: EventTables, consumer: str, event_id: str) -> bool:
    """True when this consumer has already handled the event (inbox de-duplication)."""
    return bool(processed_ids(session, tables, consumer, [event_id]))


def processed_ids(session: Session, tables: EventTables, consumer: str, event_ids: Sequence[str]) -> set[str]:
    """Which of these event ids this consumer has handled already (one query for a batch)."""
    if not event_ids:
        return set()
    inbox = tables.inbox
    stmt: Any = select(inbox.c.event_id).where(
        inbox.c.consumer == consumer, inbox.c.event_id.in_(list(event_ids))
    )
    return {str(r) for r in session.execute(stmt).scalars()}


def mark_processed(
    session: Session, tables: EventTables, consumer: str, event_id: str, event_type: str
) -> None:
    """Record the event as handled in the same transaction as its effects."""
    session.execute(
        insert(tables.inbox).values(
            consumer=consumer, event_id=event_id, event_type=event_type, processed_at=utcnow()
        )
    )


def mark_many_processed(
    session: Session, tables: EventTables, consumer: str, events: Sequence[Event]
) -> None:
    """Record many events as handled with one statement."""
    if not events:
        return
    now = utcnow()
    rows = [
        {"consumer": consumer, "event_id": str(ev.id), "event_type": ev.type, "processed_at": now}
        for ev in events
    ]
    session.execute(insert(tables.inbox), rows)


def mark_checked(session: Session) -> None:
    """Note that this session's whole batch was looked up in the inbox already."""
    session.info[_CHECKED] = True


def inbox_checked(session: Session) -> bool:
    """True inside a consumer batch whose event ids were all looked up in the inbox at once."""
    return bool(session.info.get(_CHECKED))
