"""Event consumers of the notifications service, and the handler of what SMS providers push to us."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from anju_common.db import session_scope
from anju_common.events import (
    MatchProposed,
    MatchStatus,
    MatchStatusChanged,
    TrainingOffered,
    ZeroEmploymentAlerted,
    parse_event,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler
from anju_common.logs import get_logger
from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from pydantic import ValidationError
from sqlalchemy import Engine, insert
from sqlmodel import Session

from notifications import repository as repo
from notifications import service
from notifications.clock import CLOCK
from notifications.providers.base import Inbound, Receipt
from notifications.templates import date_text, wage_text

log = get_logger(__name__)


def build_handlers(ctx: service.Context) -> dict[str, Handler]:
    """One handler per consumed event type; each writes rows in the consumer's transaction."""

    def on_match_proposed(session: Session, ev: MatchProposed) -> None:
        d = ev.data
        params = {
            "employer": d.employer_name,
            "job": d.job_title,
            "wage": wage_text(d.wage_min, d.wage_max),
            "place": d.place,
        }
        service.enqueue(session, ctx, ev, "job_offer", params, CLOCK.now(), match_id=d.match_id)

    def on_training_offered(session: Session, ev: TrainingOffered) -> None:
        d = ev.data
        params = {
            "title": d.title,
            "starts": date_text(d.starts_on),
            "subsidy": str(d.subsidy_cny),
            "place": d.place,
        }
        service.enqueue(session, ctx, ev, "training_offer", params, CLOCK.now(), offer_id=d.offer_id)

    def on_match_status_changed(session: Session, ev: MatchStatusChanged) -> None:
        d = ev.data
        if d.to_status == MatchStatus.interested:
            service.add_feed_item(
                session,
                ctx,
                site_id=d.site_id,
                kind="worker_interested",
                title=f"村民回复有意向：{d.job_title or '岗位'} / A worker is interested",
                payload={
                    "match_id": str(d.match_id),
                    "worker_id": str(d.worker_id),
                    "job_id": str(d.job_id),
                    "job_title": d.job_title,
                },
                now=CLOCK.now(),
                source_event_id=ev.id,
            )
        if d.to_status == MatchStatus.referred:
            params = {"job": d.job_title or "推荐岗位"}
            service.enqueue(session, ctx, ev, "referral", params, CLOCK.now(), match_id=d.match_id)

    def on_zero_employment(session: Session, ev: ZeroEmploymentAlerted) -> None:
        d = ev.data
        service.add_feed_item(
            session,
            ctx,
            site_id=d.site_id,
            kind="zero_employment_alert",
            title=f"零就业家庭已超过{d.working_days}个工作日 / Zero-employment household past its deadline",
            payload={
                "household_id": str(d.household_id),
                "zero_employment_since": d.zero_employment_since.isoformat(),
                "working_days": d.working_days,
                "proposed_job_ids": [str(j) for j in d.proposed_job_ids],
            },
            now=CLOCK.now(),
            source_event_id=ev.id,
        )

    return {
        MatchProposed.type_name(): on_match_proposed,
        TrainingOffered.type_name(): on_training_offered,
        MatchStatusChanged.type_name(): on_match_status_changed,
        ZeroEmploymentAlerted.type_name(): on_zero_employment,
    }


class _Fallback(Exception):
    """A batch needs the one-message-at-a-time path (a malformed record, a failing handler)."""


class BatchingRunner(ConsumerRunner):
    """ConsumerRunner that handles a whole poll in one transaction (one commit instead of one per message),
    falling back to the per-message path with its retries and dead-lettering when anything goes wrong, and
    wakes the dispatcher once the batch is committed."""

    def __init__(self, *args: Any, ctx: service.Context, wake: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx = ctx
        self._wake_dispatcher = wake

    def handle_batch(self, records: list[Any]) -> int:
        """Handle parsed records in one transaction; raises _Fallback if the batch must go one by one."""
        events = []
        for rec in records:
            try:
                events.append(parse_event(rec.value))
            except (ValidationError, ValueError, UnicodeDecodeError, TypeError) as exc:
                raise _Fallback("malformed record") from exc
        inbox_rows: list[dict[str, Any]] = []
        try:
            with (
                session_scope(self.engine) as session,
                session.no_autoflush,
                self.ctx.buffered_events(session),
            ):
                session.info[service.INBOX_CHECKED] = True
                done = repo.processed_event_ids(
                    session, self.tables.inbox, self.config.name, [str(ev.id) for ev in events]
                )
                for ev in events:
                    handler = self.handlers.get(ev.type)
                    if handler is None or str(ev.id) in done:
                        continue
                    done.add(str(ev.id))
                    handler(session, ev)
                    inbox_rows.append(
                        {
                            "consumer": self.config.name,
                            "event_id": str(ev.id),
                            "event_type": ev.type,
                            "processed_at": datetime.now(UTC),
                        }
                    )
                if inbox_rows:
                    session.execute(insert(self.tables.inbox), inbox_rows)
        except Exception as exc:
            raise _Fallback(type(exc).__name__) from exc
        return len(inbox_rows)

    def _loop(self, consumer: KafkaConsumer) -> None:
        while not self._stop.is_set():
            batches: dict[TopicPartition, list[Any]] = consumer.poll(
                timeout_ms=self.config.poll_timeout_ms, max_records=self.config.max_records
            )
            records = [rec for recs in batches.values() for rec in recs]
            if not records:
                continue
            try:
                self.handle_batch(records)
            except _Fallback as exc:
                log.info("consumer.batch_fallback", reason=str(exc), records=len(records))
                for rec in records:
                    self.handle_raw(rec.topic, rec.key, rec.value, rec.partition, rec.offset)
            offsets = {
                TopicPartition(rec.topic, rec.partition): OffsetAndMetadata(rec.offset + 1, "", -1)
                for rec in records
            }
            consumer.commit(offsets)
            self._wake_dispatcher()


def build_consumer(
    engine: Engine, ctx: service.Context, producer: Any, tables: Any, wake: Callable[[], None]
) -> ConsumerRunner:
    """The notifications consumer of matching.events."""
    s = ctx.settings
    config = ConsumerConfig(
        name="notifications",
        group_id=s.group("notifications"),
        topics=[s.topic("matching.events")],
        bootstrap=s.kafka_bootstrap,
    )
    return BatchingRunner(config, engine, tables, build_handlers(ctx), producer, ctx=ctx, wake=wake)


class ProviderEvents:
    """What a provider pushes to us (SMPP deliver_sm). Replies are handled at once in their own transaction
    (an error makes the SMSC redeliver); delivery receipts are applied in batches by a background thread so
    the SMPP reader never waits on the database, and a receipt that beats our own 'sent' record is retried."""

    RETRIES = 40
    RETRY_SECONDS = 0.5

    def __init__(self, engine: Engine, ctx: service.Context) -> None:
        self.engine = engine
        self.ctx = ctx
        self._receipts: list[tuple[Receipt, int, float]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def on_receipt(self, receipt: Receipt) -> None:
        """Queue a delivery report."""
        with self._lock:
            self._receipts.append((receipt, 0, 0.0))
        self._wake.set()

    def on_inbound(self, message: Inbound) -> None:
        """A worker's reply."""
        with session_scope(self.engine) as session:
            service.handle_inbound(session, self.ctx, message, CLOCK.now())

    def apply_receipts(self) -> int:
        """Apply the receipts that are due, in one transaction; returns how many were matched."""
        now = time.monotonic()
        with self._lock:
            due = [r for r in self._receipts if r[2] <= now]
            self._receipts = [r for r in self._receipts if r[2] > now]
        if not due:
            return 0
        unmatched: list[tuple[Receipt, int, float]] = []
        with session_scope(self.engine) as session, session.no_autoflush, self.ctx.buffered_events(session):
            notes = repo.notifications_for_messages(session, [r.message_id for r, _, _ in due])
            for receipt, tries, _ in due:
                note = notes.get(receipt.message_id)
                if note is not None:
                    service.apply_receipt(session, self.ctx, receipt, CLOCK.now(), note)
                    continue
                if tries < self.RETRIES:
                    unmatched.append((receipt, tries + 1, now + self.RETRY_SECONDS))
                else:
                    log.warning("sms.receipt_unmatched", message_id=receipt.message_id)
        with self._lock:
            self._receipts.extend(unmatched)
        return len(due) - len(unmatched)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.apply_receipts()
            except Exception as exc:
                log.warning("sms.receipts_failed", error=f"{type(exc).__name__}: {exc}"[:300])
                self._stop.wait(1.0)
            self._wake.wait(0.2)
            self._wake.clear()

    def start(self) -> None:
        """Run the receipt applier."""
        self._thread = threading.Thread(target=self._run, name="sms-receipts", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Apply what is due and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        try:
            self.apply_receipts()
        except Exception as exc:
            log.warning("sms.receipts_failed", error=type(exc).__name__)
