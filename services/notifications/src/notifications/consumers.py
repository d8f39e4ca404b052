"""Event consumers of the notifications service."""

from __future__ import annotations

from collections.abc import Callable

from anju_common.app import Runtime
from anju_common.clock import CLOCK
from anju_common.events import (
    MatchProposed,
    MatchStatus,
    MatchStatusChanged,
    TrainingOffered,
    ZeroEmploymentAlerted,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler
from anju_common.logs import get_logger
from sqlmodel import Session

from notifications import sending
from notifications.feed import add_feed_item
from notifications.templates import date_text, wage_text

log = get_logger(__name__)


def build_handlers() -> dict[str, Handler]:
    """One handler per consumed event type; each writes rows in the consumer's transaction."""

    def on_match_proposed(session: Session, ev: MatchProposed) -> None:
        d = ev.data
        params = {
            "employer": d.employer_name,
            "job": d.job_title,
            "wage": wage_text(d.wage_min, d.wage_max),
            "place": d.place,
        }
        sending.enqueue(session, ev, "job_offer", params, CLOCK.now(), match_id=d.match_id)

    def on_training_offered(session: Session, ev: TrainingOffered) -> None:
        d = ev.data
        params = {
            "title": d.title,
            "starts": date_text(d.starts_on),
            "subsidy": str(d.subsidy_cny),
            "place": d.place,
        }
        sending.enqueue(session, ev, "training_offer", params, CLOCK.now(), offer_id=d.offer_id)

    def on_match_status_changed(session: Session, ev: MatchStatusChanged) -> None:
        d = ev.data
        if d.to_status == MatchStatus.interested:
            add_feed_item(
                session,
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
            sending.enqueue(session, ev, "referral", params, CLOCK.now(), match_id=d.match_id)

    def on_zero_employment(session: Session, ev: ZeroEmploymentAlerted) -> None:
        d = ev.data
        add_feed_item(
            session,
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


def build_consumer(runtime: Runtime, wake: Callable[[], None]) -> ConsumerRunner:
    """The notifications consumer of matching.events: one transaction a poll, then the dispatcher is woken."""
    s = runtime.settings
    config = ConsumerConfig(
        name="notifications",
        group_id=s.group("notifications"),
        topics=[s.topic("matching.events")],
        bootstrap=s.kafka_bootstrap,
        batch=True,
    )
    return ConsumerRunner(
        config, runtime.engine, runtime.tables, build_handlers(), runtime.producer, after_commit=wake
    )
