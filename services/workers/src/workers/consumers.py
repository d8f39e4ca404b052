"""Event consumers of the workers service: hires, departures and referrals from matching; opt-outs and
replies from notifications; jobs' employers for placements."""

from __future__ import annotations

from anju_common.app import Runtime
from anju_common.events import (
    JobPosted,
    JobUpdated,
    MatchProposed,
    MatchStatus,
    MatchStatusChanged,
    ReplyKind,
    TaxonomyAliasAdded,
    TaxonomyAliasRemoved,
    TrainingEnrolmentChanged,
    TrainingOffered,
    WorkerOptedOut,
    WorkerReplied,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler, Many, When
from sqlmodel import Session

from workers import (
    departures,
    employment,
    follow_ups,
    placements,
    registration,
    service_standard,
    skills,
    training,
)


def on_match_status_changed(session: Session, event: MatchStatusChanged) -> None:
    """Hired => employed; left => unemployed; referred => the employer may see the worker."""
    d = event.data
    if d.to_status == MatchStatus.hired:
        employment.on_hired(session, d.worker_id, d.job_id, d.match_id)
        placements.on_hired(session, d, event.time, event.requestid)
    elif d.to_status == MatchStatus.left:
        employment.on_left(session, d.worker_id, d.job_id, d.match_id)
        placements.on_left(session, d.match_id, event.time)
    elif d.to_status == MatchStatus.referred and d.employer_id is not None:
        employment.on_referred(session, d.worker_id, d.employer_id, d.job_id, d.match_id)
    departures.on_match_status(session, d)


def concerns_workers(event: MatchStatusChanged) -> bool:
    """The transitions on_match_status_changed acts on (not notified, the one every SMS makes)."""
    d = event.data
    return d.to_status in (MatchStatus.hired, MatchStatus.left, MatchStatus.referred) or departures.tracks(
        d.to_status
    )


def on_worker_opted_out(session: Session, event: WorkerOptedOut) -> None:
    """TD by SMS withdraws SMS consent at once."""
    registration.on_opted_out(session, event.data.worker_id)


def on_matches_proposed(session: Session, events: list[MatchProposed]) -> None:
    """Jobs proposed to workers count as recommendations in the service ledger (a poll's run at once)."""
    service_standard.on_matches_proposed(session, [(ev.data, ev.time) for ev in events])


def on_training_offered(session: Session, event: TrainingOffered) -> None:
    """A course offered to a worker counts as a training notice in the service ledger."""
    service_standard.on_training_offered(session, event.data, event.time)


def on_worker_replied(session: Session, event: WorkerReplied) -> None:
    """A 1 to the arrival check-in marks the roster; follow-up answers are recorded; the refusal keyword
    records the refusal of automated matching."""
    if event.data.reply == ReplyKind.arrived:
        departures.on_arrived(session, event.data.worker_id, event.data.departure_id)
    elif event.data.reply == ReplyKind.refuse_automation:
        registration.on_refused_automation(session, event.data.worker_id, event.time)
    else:
        follow_ups.on_worker_replied(session, event.data)


def on_job_known(session: Session, event: JobPosted | JobUpdated) -> None:
    """A job's employer and kind, for the placements of it."""
    placements.on_job_known(session, event.data)


def build_consumers(runtime: Runtime) -> list[ConsumerRunner]:
    """The service's two consumers: the ledger's, and everyone else's."""
    return [build_consumer(runtime), build_ledger_consumer(runtime)]


def build_ledger_consumer(runtime: Runtime) -> ConsumerRunner:
    """Proposals and course offers into the service ledger, a whole poll per transaction: one row per event,
    written without reading (a proposal burst is one commit and one insert, not one of each per SMS)."""
    s = runtime.settings
    config = ConsumerConfig(
        name="workers-ledger",
        group_id=s.group("workers-ledger"),
        topics=[s.topic("matching.events")],
        bootstrap=s.kafka_bootstrap,
        batch=True,
        max_records=500,
    )
    handlers: dict[str, Handler] = {
        MatchProposed.type_name(): Many(on_matches_proposed),
        TrainingOffered.type_name(): on_training_offered,
    }
    return ConsumerRunner(config, runtime.engine, runtime.tables, handlers, runtime.producer)


def build_consumer(runtime: Runtime) -> ConsumerRunner:
    """The consumer of matching.events, notifications.events and jobs.events whose handlers read what an
    earlier event may have written (hires, departures, replies), so one event per transaction."""
    s = runtime.settings
    config = ConsumerConfig(
        name="workers",
        group_id=s.group("workers"),
        topics=[s.topic("matching.events"), s.topic("notifications.events"), s.topic("jobs.events")],
        bootstrap=s.kafka_bootstrap,
    )
    handlers: dict[str, Handler] = {
        MatchStatusChanged.type_name(): When(concerns_workers, on_match_status_changed),
        WorkerOptedOut.type_name(): on_worker_opted_out,
        WorkerReplied.type_name(): on_worker_replied,
        JobPosted.type_name(): on_job_known,
        JobUpdated.type_name(): on_job_known,
        TrainingEnrolmentChanged.type_name(): lambda s, e: training.on_enrolment_changed(s, e.data),
        TaxonomyAliasAdded.type_name(): skills.on_alias_changed,
        TaxonomyAliasRemoved.type_name(): skills.on_alias_changed,
    }
    return ConsumerRunner(config, runtime.engine, runtime.tables, handlers, runtime.producer)
