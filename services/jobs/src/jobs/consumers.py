"""Event consumers of the jobs service."""

from __future__ import annotations

from anju_common.app import Runtime
from anju_common.events import (
    MatchStatus,
    MatchStatusChanged,
    TaxonomyAliasAdded,
    TaxonomyAliasRemoved,
    TrainingOfferAccepted,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler, When
from anju_common.logs import get_logger
from sqlmodel import Session

from jobs import enrolments, service, skills_read
from jobs.config import today

log = get_logger(__name__)


def on_match_status_changed(session: Session, event: MatchStatusChanged) -> None:
    """A hire fills a seat (the last seat fills the job); a hired worker who left frees it again."""
    d = event.data
    if d.to_status == MatchStatus.hired:
        service.record_hire(session, d.job_id)
    elif d.to_status == MatchStatus.left and d.from_status == MatchStatus.hired:
        service.record_departure(session, d.job_id, today())


def changes_seats(event: MatchStatusChanged) -> bool:
    """Only a hire, or the departure of someone hired, changes a job's seats (not the many proposals and
    notices, which would each cost a transaction)."""
    d = event.data
    return d.to_status == MatchStatus.hired or (
        d.to_status == MatchStatus.left and d.from_status == MatchStatus.hired
    )


def on_offer_accepted(session: Session, event: TrainingOfferAccepted) -> None:
    """A worker said yes to a course: a seat, or the waiting list when the course is full."""
    enrolments.on_offer_accepted(session, event.data)


def build_consumer(runtime: Runtime) -> ConsumerRunner:
    """The jobs service's consumer of matching.events."""
    s = runtime.settings
    config = ConsumerConfig(
        name="jobs",
        group_id=s.group("jobs"),
        topics=[s.topic("matching.events")],
        bootstrap=s.kafka_bootstrap,
    )
    handlers: dict[str, Handler] = {
        MatchStatusChanged.type_name(): When(changes_seats, on_match_status_changed),
        TrainingOfferAccepted.type_name(): on_offer_accepted,
        TaxonomyAliasAdded.type_name(): skills_read.on_alias_changed,
        TaxonomyAliasRemoved.type_name(): skills_read.on_alias_changed,
    }
    return ConsumerRunner(config, runtime.engine, runtime.tables, handlers, runtime.producer)
