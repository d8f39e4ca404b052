"""Transactional outbox: events written in the caller's transaction, and the relay that publishes them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from kafka.errors import KafkaTimeoutError
from sqlalchemy import Engine, Table, event, func, select, update
from sqlalchemy.orm import Session as OrmSession

from anju_common.background import BackgroundThread
from anju_common.bulk import insert_rows
from anju_common.clock import utcnow
from anju_common.event_tables import EventTables
from anju_common.events import Event
from anju_common.logs import describe_error, get_logger
from anju_common.metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED

log = get_logger(__name__)
# Kafka protocol binding of CloudEvents, structured mode: the one definition of the record headers.
CE_HEADERS = [("content-type", b"application/cloudevents+json; charset=utf-8")]
# The event's type beside the structured CloudEvent (not a ce_ header, which would mean binary mode): a
# consumer skips the types it has no handler for without parsing the value.
TYPE_HEADER = "anju-event-type"
_HEADERS_OF: dict[str, list[tuple[str, bytes]]] = {}


def event_headers(event_type: str) -> list[tuple[str, bytes]]:
    """The Kafka headers of one event of a type: CE_HEADERS and the type."""
    found = _HEADERS_OF.get(event_type)
    if found is None:
        found = _HEADERS_OF[event_type] = [*CE_HEADERS, (TYPE_HEADER, event_type.encode())]
    return found


_WAKE = threading.Event()
_DIRTY = "anju_outbox_dirty"
_BUFFER = "anju_outbox_buffer"
# How long the relay waits for the broker's answers to one batch, in slices that let a stop through.
FLUSH_SECONDS = 20.0
FLUSH_SLICE_SECONDS = 0.5


class Publisher(Protocol):
    """What the relay needs of a Kafka producer (anju_common.kafka.Producer)."""

    def send(
        self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None = None
    ) -> Any:
        """Queue a message; returns a future."""

    def flush(self, timeout: float | None = 20.0) -> None:
        """Wait until queued messages are acknowledged or failed."""

    def reset(self) -> None:
        """Drop the client; the next send builds a new one."""


def _wake_relay(session: OrmSession) -> None:
    if session.info.pop(_DIRTY, False):
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
    session.info[_DIRTY] = True


def record_event(session: OrmSession, tables: EventTables, ev: Event, *, topic_prefix: str = "") -> None:
    """Write an event into the outbox inside the caller's transaction."""
    record_events(session, tables, [ev], topic_prefix=topic_prefix)


def record_events(
    session: OrmSession, tables: EventTables, events: Sequence[Event], *, topic_prefix: str = ""
) -> None:
    """Write many events into the outbox with one statement (or into the batch buffer), in the caller's
    transaction."""
    if not events:
        return
    rows = outbox_rows(events, topic_prefix=topic_prefix)
    buffer: dict[Table, list[dict[str, Any]]] | None = session.info.get(_BUFFER)
    if buffer is not None:
        buffer.setdefault(tables.outbox, []).extend(rows)
        return
    insert_rows(session, tables.outbox, rows)
    mark_outbox_written(session)


@contextmanager
def buffered_events(session: OrmSession) -> Iterator[None]:
    """Collect the events recorded inside and write them as one multi-row insert at the end (batches)."""
    if _BUFFER in session.info:  # nested: the outer block writes them
        yield
        return
    buffer: dict[Table, list[dict[str, Any]]] = {}
    session.info[_BUFFER] = buffer
    try:
        yield
    finally:
        session.info.pop(_BUFFER, None)
    for table, rows in buffer.items():
        insert_rows(session, table, rows)
    if buffer:
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


class OutboxRelay(BackgroundThread):
    """Publishes pending outbox rows in id order and marks them sent."""

    def __init__(
        self,
        engine: Engine,
        tables: EventTables,
        producer: Publisher,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.2,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.producer = producer
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        super().__init__("outbox-relay")
        # Commits that wrote events wake every relay of the process at once.
        self.wakeup = _WAKE

    def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were published."""
        t = self.tables.outbox
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(t.c.id, t.c.topic, t.c.key, t.c.payload, t.c.event_type)
                .where(t.c.published_at.is_(None))
                .order_by(t.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                OUTBOX_PENDING.set(0)
                return 0
            futures = [
                (
                    row.id,
                    self.producer.send(
                        row.topic, row.key.encode(), row.payload.encode(), event_headers(row.event_type)
                    ),
                )
                for row in rows
            ]
            self._flush()
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

    def _flush(self) -> None:
        """Wait for the broker's answers; unanswered sends count as failed once the time is up or the relay
        is stopping, so a broker that is down never holds up a shutdown."""
        deadline = time.monotonic() + FLUSH_SECONDS
        while True:
            try:
                self.producer.flush(timeout=FLUSH_SLICE_SECONDS)
                return
            except KafkaTimeoutError:
                if self.stopping.is_set() or time.monotonic() >= deadline:
                    return

    def run(self) -> None:
        """Loop until stopped: publish, then sleep until woken or the poll interval passes."""
        backoff = self.poll_seconds
        while not self.stopping.is_set():
            try:
                n = self.publish_pending()
                backoff = self.poll_seconds
                if n:
                    continue
            except Exception as exc:
                log.warning("outbox.publish_failed", error=describe_error(exc))
                # An idempotent producer can be left in a state it never leaves (e.g. after a broker restart
                # expired its batches); a fresh one, with a new producer id, is what recovers.
                self.producer.reset()
                # Capped low: the relay should be publishing within seconds of the broker answering again.
                backoff = min(max(backoff * 2, 0.5), 2.0)
            self.sleep(backoff)


def pending_count(engine: Engine, tables: EventTables) -> int:
    """How many events wait to be published."""
    with engine.connect() as conn:
        value: Any = conn.execute(
            select(func.count()).select_from(tables.outbox).where(tables.outbox.c.published_at.is_(None))
        ).scalar_one()
    return int(value)
