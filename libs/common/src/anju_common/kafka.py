"""Kafka plumbing: an idempotent producer and a consumer runner with inbox de-duplication and a DLQ."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

from anju_common.background import BackgroundThread
from anju_common.db import session_scope
from anju_common.event_tables import EventTables
from anju_common.events import Event, parse_event
from anju_common.inbox import (
    already_processed,
    mark_checked,
    mark_many_processed,
    mark_processed,
    processed_ids,
)
from anju_common.logs import get_logger
from anju_common.metrics import DEAD_LETTERS, EVENT_LATENCY, EVENTS_CONSUMED
from anju_common.outbox import TYPE_HEADER, buffered_events, event_headers

log = get_logger(__name__)

Handler = Callable[[Session, Any], None]


@dataclass(frozen=True)
class When:
    """A handler for the events `wants` accepts only (e.g. a status change to `hired`): the others are
    counted as ignored without a transaction or an inbox row, since handling them would change nothing."""

    wants: Callable[[Any], bool]
    handler: Handler

    def __call__(self, session: Session, event: Any) -> None:
        """Handle an event `wants` accepted."""
        self.handler(session, event)


@dataclass(frozen=True)
class Many:
    """A handler that takes neighbouring events of its type together: in a batch it is called once with
    every such run (one query for all of them, not one each); one by one it gets a list of one."""

    handler: Callable[[Session, list[Any]], None]

    def __call__(self, session: Session, event: Any) -> None:
        """Handle one event alone."""
        self.handler(session, [event])


def _irrelevant(handler: Handler, event: Any) -> bool:
    return isinstance(handler, When) and not handler.wants(event)


# Longest wait between two reconnect attempts to a broker (kafka-python's own default is 30 s).
RECONNECT_BACKOFF_MAX_MS = 1000


class Producer:
    """kafka-python producer set up for no loss and no broker-side duplicates (acks=all, idempotent)."""

    def __init__(self, bootstrap: str, *, client_id: str = "anju", linger_ms: int = 2) -> None:
        self.bootstrap = bootstrap
        self._producer: KafkaProducer | None = None
        self._client_id = client_id
        self._linger_ms = linger_ms
        self._lock = threading.Lock()

    def _get(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self._client_id,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=self._linger_ms,
                    max_block_ms=5000,
                    request_timeout_ms=5000,
                    delivery_timeout_ms=15000,
                    retry_backoff_ms=200,
                    # kafka-python's default grows to 30 s between reconnects: a restarted broker went unused
                    # for up to that long. Capped, clients are back within about a second of it answering.
                    reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
                )
            return self._producer

    def send(
        self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None = None
    ) -> Any:
        """Queue a message; returns kafka-python's future."""
        return self._get().send(topic, key=key, value=value, headers=headers or [])

    def flush(self, timeout: float | None = 20.0) -> None:
        """Wait until queued messages are acknowledged or failed."""
        if self._producer is not None:
            self._producer.flush(timeout=timeout)

    def publish(self, ev: Event, topic_prefix: str = "") -> None:
        """Send one event and wait for the broker's acknowledgement."""
        self.send(f"{topic_prefix}{ev.topic()}", ev.key(), ev.to_json(), event_headers(ev.type)).get(
            timeout=20
        )

    def reset(self) -> None:
        """Drop the client without waiting; the next send builds a new one."""
        with self._lock:
            if self._producer is not None:
                try:
                    self._producer.close(timeout=0)
                except Exception as exc:
                    log.debug("producer.close_failed", error=_short(exc))
                self._producer = None

    def close(self) -> None:
        """Flush and close."""
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None


def kafka_reachable(bootstrap: str, timeout: float = 1.0) -> bool:
    """True when a TCP connection to the first bootstrap server opens."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except OSError:
        return False


class PermanentError(Exception):
    """A handler's verdict that retrying will never help: the message goes to the DLQ."""


@dataclass
class ConsumerConfig:
    """Where a consumer reads from and how hard it retries."""

    name: str
    group_id: str
    topics: list[str]
    bootstrap: str
    dlq_suffix: str = ".dlq"
    max_attempts: int = 5
    poll_timeout_ms: int = 200
    max_records: int = 200
    session_timeout_ms: int = 10000
    # Handle a whole poll in one transaction (one commit instead of one per message); anything going wrong
    # in it falls back to the one-message-at-a-time path with its retries and dead-lettering.
    batch: bool = False


class _Fallback(Exception):
    """A batch needs the one-message-at-a-time path (a malformed record, a failing handler)."""


class ConsumerRunner(BackgroundThread):
    """Poll, handle each event (or, in batch mode, each poll) in one transaction with its inbox rows, then
    commit offsets and call after_commit."""

    def __init__(
        self,
        config: ConsumerConfig,
        engine: Engine,
        tables: EventTables,
        handlers: Mapping[str, Handler],
        producer: Producer,
        *,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.tables = tables
        self.handlers = handlers
        self.producer = producer
        self.after_commit = after_commit
        super().__init__(f"consumer-{config.name}")
        self._consumer: KafkaConsumer | None = None
        self.ready = threading.Event()

    # -- one message ---------------------------------------------------------------------------
    def handle_raw(
        self, topic: str, key: bytes | None, value: bytes | None, partition: int = 0, offset: int = 0
    ) -> str:
        """Process one record; returns the outcome (handled, duplicate, ignored, dead_lettered)."""
        try:
            if value is None:
                raise ValueError("empty message value")
            ev = parse_event(value)
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            self._dead_letter(topic, key, value, partition, offset, f"malformed event: {_short(exc)}")
            return "dead_lettered"
        handler = self.handlers.get(ev.type)
        if handler is None or _irrelevant(handler, ev):
            EVENTS_CONSUMED.labels(self.config.name, ev.type, "ignored").inc()
            return "ignored"
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                outcome = self._handle_once(ev, handler)
                EVENT_LATENCY.labels(self.config.name).observe(time.perf_counter() - started)
                EVENTS_CONSUMED.labels(self.config.name, ev.type, outcome).inc()
                return outcome
            except PermanentError as exc:
                self._dead_letter(topic, key, value, partition, offset, f"rejected: {exc}", ev.type)
                return "dead_lettered"
            except (OperationalError, DBAPIError, KafkaError, OSError, TimeoutError) as exc:
                if self.stopping.is_set():
                    raise
                delay = min(0.2 * 2 ** min(attempt, 6), 10.0)
                log.warning(
                    "consumer.transient_error",
                    consumer=self.config.name,
                    event_id=str(ev.id),
                    error=_short(exc),
                    retry_in=delay,
                )
                self.stopping.wait(delay)
            except Exception as exc:
                if attempt >= self.config.max_attempts:
                    log.exception("consumer.handler_failed", consumer=self.config.name, event_id=str(ev.id))
                    self._dead_letter(
                        topic,
                        key,
                        value,
                        partition,
                        offset,
                        f"handler failed {attempt} times: {_short(exc)}",
                        ev.type,
                    )
                    return "dead_lettered"
                self.stopping.wait(min(0.1 * 2**attempt, 5.0))

    def _handle_once(self, ev: Any, handler: Handler) -> str:
        try:
            with session_scope(self.engine) as session:
                if already_processed(session, self.tables, self.config.name, str(ev.id)):
                    return "duplicate"
                handler(session, ev)
                mark_processed(session, self.tables, self.config.name, str(ev.id), ev.type)
        except IntegrityError:
            # Another replica committed the same event id first; anything else is a real error.
            with session_scope(self.engine) as session:
                if already_processed(session, self.tables, self.config.name, str(ev.id)):
                    return "duplicate"
            raise
        return "handled"

    def _dead_letter(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int,
        offset: int,
        reason: str,
        event_type: str | None = None,
    ) -> None:
        headers = [
            ("dlq.reason", reason.encode()),
            ("dlq.consumer", self.config.name.encode()),
            ("dlq.topic", topic.encode()),
            ("dlq.partition", str(partition).encode()),
            ("dlq.offset", str(offset).encode()),
        ]
        if event_type:
            headers.append(("dlq.event_type", event_type.encode()))
        self.producer.send(f"{topic}{self.config.dlq_suffix}", key, value or b"", headers).get(timeout=20)
        DEAD_LETTERS.labels(self.config.name).inc()
        log.warning(
            "consumer.dead_lettered",
            consumer=self.config.name,
            topic=topic,
            partition=partition,
            offset=offset,
            reason=reason,
        )

    # -- the loop ------------------------------------------------------------------------------
    def _make_consumer(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            *self.config.topics,
            bootstrap_servers=self.config.bootstrap,
            group_id=self.config.group_id,
            client_id=self.config.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.config.session_timeout_ms,
            heartbeat_interval_ms=1000,
            max_poll_records=self.config.max_records,
            request_timeout_ms=30000,
            metadata_max_age_ms=5000,
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
        )
        # kafka-python may join the group before it knows a new topic's partitions; the leader then assigns
        # nothing and this member idles until the next metadata refresh. Asking for them first avoids that.
        for topic in self.config.topics:
            consumer.partitions_for_topic(topic)
        return consumer

    def run(self) -> None:
        """Consume until stop() is called; survives broker outages."""
        while not self.stopping.is_set():
            try:
                self._consumer = self._make_consumer()
                self.ready.set()
                self._loop(self._consumer)
            except Exception as exc:
                if self.stopping.is_set():
                    break
                log.warning("consumer.restart", consumer=self.config.name, error=_short(exc))
                self.stopping.wait(2.0)
            finally:
                if self._consumer is not None:
                    try:
                        self._consumer.close(autocommit=False)
                    except Exception as exc:
                        log.debug("consumer.close_failed", error=_short(exc))
                    self._consumer = None

    def handle_batch(self, records: Sequence[Any]) -> int:
        """Handle polled records in one transaction; returns how many were handled. Raises _Fallback when
        the batch must go one by one."""
        events = []
        for rec in records:
            try:
                events.append(parse_event(rec.value))
            except (ValidationError, ValueError, UnicodeDecodeError, TypeError) as exc:
                raise _Fallback("malformed record") from exc
        handled: list[Event] = []
        try:
            with session_scope(self.engine) as session, session.no_autoflush, buffered_events(session):
                mark_checked(session)
                done = processed_ids(session, self.tables, self.config.name, [str(ev.id) for ev in events])
                run: tuple[Many, list[Any]] | None = None
                for ev in events:
                    handler = self.handlers.get(ev.type)
                    if handler is None or str(ev.id) in done or _irrelevant(handler, ev):
                        continue
                    done.add(str(ev.id))
                    handled.append(ev)
                    if run is not None and run[0] is handler:
                        run[1].append(ev)
                        continue
                    if run is not None:
                        run[0].handler(session, run[1])
                        run = None
                    if isinstance(handler, Many):
                        run = (handler, [ev])
                    else:
                        handler(session, ev)
                if run is not None:
                    run[0].handler(session, run[1])
                mark_many_processed(session, self.tables, self.config.name, handled)
        except Exception as exc:
            raise _Fallback(type(exc).__name__) from exc
        return len(handled)

    def _loop(self, consumer: KafkaConsumer) -> None:
        while not self.stopping.is_set():
            batches: dict[TopicPartition, Iterable[Any]] = consumer.poll(
                timeout_ms=self.config.poll_timeout_ms, max_records=self.config.max_records
            )
            if not batches:
                continue
            if self.config.batch:
                self._batch(consumer, [rec for recs in batches.values() for rec in recs])
            else:
                self._one_by_one(consumer, batches)
            if self.after_commit is not None:
                self.after_commit()

    def _one_by_one(self, consumer: KafkaConsumer, batches: Mapping[TopicPartition, Iterable[Any]]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        try:
            for tp, records in batches.items():
                for rec in records:
                    if self.wanted(rec):
                        self.handle_raw(rec.topic, rec.key, rec.value, rec.partition, rec.offset)
                    offsets[tp] = OffsetAndMetadata(rec.offset + 1, "", -1)
        finally:
            if offsets:
                consumer.commit(offsets)

    def wanted(self, record: Any) -> bool:
        """False for a record whose type header names an event this consumer has no handler for (counted
        as ignored, never parsed); records without the header are parsed to find out."""
        kind = record_type(record)
        if kind is None or kind in self.handlers:
            return True
        EVENTS_CONSUMED.labels(self.config.name, kind[:100], "ignored").inc()
        return False

    def _batch(self, consumer: KafkaConsumer, records: list[Any]) -> None:
        if not records:
            return
        wanted = [rec for rec in records if self.wanted(rec)]
        try:
            if wanted:
                self.handle_batch(wanted)
        except _Fallback as exc:
            log.info(
                "consumer.batch_fallback", consumer=self.config.name, reason=str(exc), records=len(wanted)
            )
            for rec in wanted:
                self.handle_raw(rec.topic, rec.key, rec.value, rec.partition, rec.offset)
        offsets = {
            TopicPartition(rec.topic, rec.partition): OffsetAndMetadata(rec.offset + 1, "", -1)
            for rec in records
        }
        consumer.commit(offsets)


def record_type(record: Any) -> str | None:
    """The event type a polled record's header names (outbox.TYPE_HEADER), None without one."""
    for name, value in record.headers or ():
        if name == TYPE_HEADER:
            return str(value.decode("utf-8", "replace"))
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {text[:500]}"


def decode_headers(headers: Iterable[tuple[str, bytes]] | None) -> dict[str, str]:
    """Kafka headers as a str dict."""
    return {k: v.decode(errors="replace") for k, v in (headers or [])}
