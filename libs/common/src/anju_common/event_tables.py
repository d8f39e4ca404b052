"""The outbox and inbox tables every service adds to its own database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text

from anju_common.clock import utcnow


@dataclass(frozen=True)
class EventTables:
    """The outbox and inbox tables of one service's database."""

    outbox: Table
    inbox: Table


def define_event_tables(metadata: MetaData) -> EventTables:
    """Add outbox_event and inbox_event to a service's metadata."""
    outbox = Table(
        "outbox_event",
        metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_event_pending", "published_at", "id"),
    )
    inbox = Table(
        "inbox_event",
        metadata,
        Column("consumer", String(200), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, default=utcnow),
    )
    return EventTables(outbox=outbox, inbox=inbox)
