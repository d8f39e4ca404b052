"""Transactional outbox and consumer inbox: tables, the writer and the relay that publishes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session as OrmSession

from anju_common.events import Event
from anju_common.logs import get_logger
from anju_common.metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED

if TYPE_CHECKING:
    from anju_common.kafka import Producer

log = get_logger(__name__)
# Kafka protocol binding of CloudEvents, structured mode.
CE_HEADERS = [("content-type", b"application/cloudevents+json; charset=utf-8")]
_WAKE = threading.Event()


def utcnow() -> datetime:
    """Timezone-aware now in UTC."""
    return datetime.now(UTC)


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


def _wake_relay(session: OrmSession) -> None:
    if session.info.pop("anju_outbox_dirty", False):
        _WAKE.set()


event.listen(OrmSession, "after_commit", _wake_relay)


def outbox_rows(events: Sequence[Event], *, topic_prefix: str = "") -> list[dict[str, Any]]:
    """Outbox rows for events, for callers that insert many at once (e.g. with COPY)."""
    now = utcnow()
    return [
        {
            "event_id": str(ev.id),
            "topic": f"{topic_prefix}{ev.topic()}",
            "key": ev.subject,
            "event_type": ev.type,
            "payload": ev.to_json().decode(),
            "created_at": now,
            "attempts": 0,
        }
        for ev in events
    ]


def mark_outbox_written(session: OrmSession) -> None:
    """Ask for the relay to be woken when this session commits."""
    session.info["anju_outbox_dirty"] = True


def record_event(session: OrmSession, tables: EventTables, ev: Event, *, topic_prefix: str = "") -> None:
    """Write an event into the outbox inside the caller's transaction."""
    record_events(session, tables, [ev], topic_prefix=topic_prefix)


def record_events(
    session: OrmSession, tables: EventTables, events: Sequence[Event], *, topic_prefix: str = ""
) -> None:
    """Write many events into the outbox with one statement, inside the caller's transaction."""
    if not events:
        return
    session.execute(insert(tables.outbox), outbox_rows(events, topic_prefix=topic_prefix))
    mark_outbox_written(session)


class Emitter:
    """record_event bound to one service's tables and its settings' topic prefix."""

    def __init__(self, tables: EventTables, topic_prefix: Callable[[], str]) -> None:
        self.tables = tables
        self.topic_prefix = topic_prefix

    def __call__(self, session: OrmSession, ev: Event) -> None:
        """Write one event into the outbox in the caller's transaction."""
        record_events(session, self.tables, [ev], topic_prefix=self.topic_prefix())

    def many(self, session: OrmSession, events: Sequence[Event]) -> None:
        """Write many events into the outbox with one statement."""
        record_events(session, self.tables, events, topic_prefix=self.topic_prefix())


def already_processed(session: OrmSession, tables: EventTables, consumer: str, event_id: str) -> bool:
    """True when this consumer has already handled the event (inbox de-duplication)."""
    row = session.execute(
        select(tables.inbox.c.event_id).where(
            tables.inbox.c.consumer == consumer, tables.inbox.c.event_id == event_id
        )
    ).first()
    return row is not None


def mark_processed(
    session: OrmSession, tables: EventTables, consumer: str, event_id: str, event_type: str
) -> None:
    """Record the event as handled in the same transaction as its effects."""
    session.execute(
        insert(tables.inbox).values(
            consumer=consumer, event_id=event_id, event_type=event_type, processed_at=utcnow()
        )
    )


class OutboxRelay:
    """Publishes pending outbox rows in id order and marks them sent."""

    def __init__(
        self,
        engine: Engine,
        tables: EventTables,
        producer: Producer,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.2,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.producer = producer
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were published."""
        t = self.tables.outbox
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(t.c.id, t.c.topic, t.c.key, t.c.payload)
                .where(t.c.published_at.is_(None))
                .order_by(t.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                OUTBOX_PENDING.set(0)
                return 0
            futures = [
                (row.id, self.producer.send(row.topic, row.key.encode(), row.payload.encode(), CE_HEADERS))
                for row in rows
            ]
            self.producer.flush()
            done: list[int] = []
            error: str | None = None
            failed_id: int | None = None
            for row_id, fut in futures:
                try:
                    fut.get(timeout=0)
                except Exception as exc:  # the broker refused or timed out: retry this row later
                    error, failed_id = repr(exc), row_id
                    break
                done.append(row_id)
            now = utcnow()
            if done:
                conn.execute(update(t).where(t.c.id.in_(done)).values(published_at=now))
            if failed_id is not None:
                conn.execute(
                    update(t).where(t.c.id == failed_id).values(attempts=t.c.attempts + 1, last_error=error)
                )
        OUTBOX_PUBLISHED.inc(len(done))
        if failed_id is not None:
            raise RuntimeError(f"outbox publish failed: {error}")
        return len(done)

    def run(self) -> None:
        """Loop until stopped: publish, then sleep until woken or the poll interval passes."""
        backoff = self.poll_seconds
        while not self._stop.is_set():
            try:
                n = self.publish_pending()
                backoff = self.poll_seconds
                if n:
                    continue
            except Exception as exc:
                log.warning("outbox.publish_failed", error=str(exc))
                # An idempotent producer can be left in a state it never leaves (e.g. after a broker restart
                # expired its batches); a fresh one, with a new producer id, is what recovers.
                self.producer.reset()
                # Capped low: the relay should be publishing within seconds of the broker answering again.
                backoff = min(max(backoff * 2, 0.5), 2.0)
            _WAKE.wait(backoff)
            _WAKE.clear()

    def start(self) -> None:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to end and wait for it."""
        self._stop.set()
        _WAKE.set()
        if self._thread:
            self._thread.join(timeout)


def pending_count(engine: Engine, tables: EventTables) -> int:
    """How many events wait to be published."""
    from sqlalchemy import func

    with engine.connect() as conn:
        value: Any = conn.execute(
            select(func.count()).select_from(tables.outbox).where(tables.outbox.c.published_at.is_(None))
        ).scalar_one()
    return int(value)
