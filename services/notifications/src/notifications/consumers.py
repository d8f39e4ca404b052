"""Event consumers of the notifications service, and the handler of what SMS providers push to us."""

from __future__ import annotations

import threading
from collections.abc import Callable

from anju_common.db import session_scope
from anju_common.events import (
    MatchProposed,
    MatchStatus,
    MatchStatusChanged,
    TrainingOffered,
    ZeroEmploymentAlerted,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler
from anju_common.logs import get_logger
from kafka import KafkaConsumer
from sqlalchemy import Engine
from sqlmodel import Session

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


class _WakingRunner(ConsumerRunner):
    """ConsumerRunner that wakes the dispatcher as soon as a message's transaction commits."""

    def __init__(self, *args: object, wake: Callable[[], None], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._wake_dispatcher = wake

    def _make_consumer(self) -> KafkaConsumer:
        # kafka-python may join the group before it has the topic's partition metadata; the leader then
        # assigns nothing and the member idles. Fetching the partitions first (and a short metadata age)
        # closes that startup race.
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
        )
        for topic in self.config.topics:
            consumer.partitions_for_topic(topic)
        return consumer

    def handle_raw(
        self, topic: str, key: bytes | None, value: bytes | None, partition: int = 0, offset: int = 0
    ) -> str:
        outcome = super().handle_raw(topic, key, value, partition, offset)
        if outcome == "handled":
            self._wake_dispatcher()
        return outcome


def build_consumer(
    engine: Engine, ctx: service.Context, producer: object, tables: object, wake: Callable[[], None]
) -> ConsumerRunner:
    """The notifications consumer of matching.events."""
    s = ctx.settings
    config = ConsumerConfig(
        name="notifications",
        group_id=s.group("notifications"),
        topics=[s.topic("matching.events")],
        bootstrap=s.kafka_bootstrap,
    )
    return _WakingRunner(config, engine, tables, build_handlers(ctx), producer, wake=wake)


class ProviderEvents:
    """Receipts and replies pushed by a provider (SMPP deliver_sm), each in its own transaction."""

    def __init__(self, engine: Engine, ctx: service.Context) -> None:
        self.engine = engine
        self.ctx = ctx

    def on_receipt(self, receipt: Receipt) -> None:
        """Apply a delivery report; one that beats our own 'sent' record is retried shortly."""
        self._apply_receipt(receipt, 0)

    def _apply_receipt(self, receipt: Receipt, tries: int) -> None:
        with session_scope(self.engine) as session:
            found = service.apply_receipt(session, self.ctx, receipt, CLOCK.now())
        if found is None:
            if tries < 20:
                timer = threading.Timer(0.5, self._retry, args=(receipt, tries + 1))
                timer.daemon = True
                timer.start()
            else:
                log.warning("sms.receipt_unmatched", message_id=receipt.message_id)

    def _retry(self, receipt: Receipt, tries: int) -> None:
        try:
            self._apply_receipt(receipt, tries)
        except Exception as exc:
            log.warning("sms.receipt_failed", error=type(exc).__name__)

    def on_inbound(self, message: Inbound) -> None:
        """A worker's reply."""
        with session_scope(self.engine) as session:
            service.handle_inbound(session, self.ctx, message, CLOCK.now())
