"""Event consumers of the workers service: hires, departures and referrals from matching; opt-outs."""

from __future__ import annotations

from anju_common.app import Runtime
from anju_common.events import (
    MatchProposed,
    MatchStatus,
    MatchStatusChanged,
    ReplyKind,
    TrainingOffered,
    WorkerOptedOut,
    WorkerReplied,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler
from sqlmodel import Session

from workers import departures, employment, registration, service_standard


def on_match_status_changed(session: Session, event: MatchStatusChanged) -> None:
    """Hired => employed; left => unemployed; referred => the employer may see the worker."""
    d = event.data
    if d.to_status == MatchStatus.hired:
        employment.on_hired(session, d.worker_id, d.job_id, d.match_id)
    elif d.to_status == MatchStatus.left:
        employment.on_left(session, d.worker_id, d.job_id, d.match_id)
    elif d.to_status == MatchStatus.referred and d.employer_id is not None:
        employment.on_referred(session, d.worker_id, d.employer_id, d.job_id, d.match_id)
    departures.on_match_status(session, d)


def on_worker_opted_out(session: Session, event: WorkerOptedOut) -> None:
    """TD by SMS withdraws SMS consent at once."""
    registration.on_opted_out(session, event.data.worker_id)


def on_match_proposed(session: Session, event: MatchProposed) -> None:
    """A job proposed to a worker counts as a recommendation in the service ledger."""
    service_standard.on_match_proposed(session, event.data, event.time)


def on_training_offered(session: Session, event: TrainingOffered) -> None:
    """A course offered to a worker counts as a training notice in the service ledger."""
    service_standard.on_training_offered(session, event.data, event.time)


def on_worker_replied(session: Session, event: WorkerReplied) -> None:
    """A 1 to the arrival check-in marks the worker arrived on the departure's roster."""
    if event.data.reply == ReplyKind.arrived:
        departures.on_arrived(session, event.data.worker_id, event.data.departure_id)


def build_consumer(runtime: Runtime) -> ConsumerRunner:
    """The workers service's consumer of matching.events and notifications.events."""
    s = runtime.settings
    config = ConsumerConfig(
        name="workers",
        group_id=s.group("workers"),
        topics=[s.topic("matching.events"), s.topic("notifications.events")],
        bootstrap=s.kafka_bootstrap,
    )
    handlers: dict[str, Handler] = {
        MatchStatusChanged.type_name(): on_match_status_changed,
        WorkerOptedOut.type_name(): on_worker_opted_out,
        MatchProposed.type_name(): on_match_proposed,
        TrainingOffered.type_name(): on_training_offered,
        WorkerReplied.type_name(): on_worker_replied,
    }
    return ConsumerRunner(config, runtime.engine, runtime.tables, handlers, runtime.producer)
