"""Event consumers of the matching service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anju_common.app import Runtime
from anju_common.events import (
    EmploymentChanged,
    HouseholdUpdated,
    JobClosed,
    JobPosted,
    JobUpdated,
    NotificationSent,
    TrainingPublished,
    WorkerDeactivated,
    WorkerRegistered,
    WorkerReplied,
    WorkerUpdated,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler
from anju_common.logs import get_logger
from sqlmodel import Session

from matching import matches, projection
from matching import repository as repo
from matching.follower import OwnWork
from matching.state import MatchingState, hold_until_end

log = get_logger(__name__)


def handlers(state: MatchingState, *, propose: bool = True, own: OwnWork | None = None) -> dict[str, Handler]:
    """Event type -> handler; with propose=False only the read model changes (used by rebuild).

    With own (replicas follow each other), every handled event records its transaction as this
    process's and holds the proposing lock until it commits, and a job's event marks the job as handled.
    """

    def job(session: Session, ev: Any) -> None:
        projection.apply_job(session, state, ev.data, propose=propose)

    def job_closed(session: Session, ev: JobClosed) -> None:
        projection.apply_job_closed(session, state, ev.data, propose=propose)

    def training(session: Session, ev: TrainingPublished) -> None:
        projection.apply_training(session, state, ev.data, propose=propose)

    def worker(session: Session, ev: Any) -> None:
        projection.apply_worker(session, state, ev.data, propose=propose)

    def deactivated(session: Session, ev: WorkerDeactivated) -> None:
        projection.apply_worker_deactivated(session, state, ev.data, propose=propose)

    def household(session: Session, ev: HouseholdUpdated) -> None:
        projection.apply_household(session, state, ev.data)

    def employment(session: Session, ev: EmploymentChanged) -> None:
        projection.apply_employment(session, state, ev.data, propose=propose)

    def replied(session: Session, ev: WorkerReplied) -> None:
        matches.apply_reply(session, ev.data)

    def sent(session: Session, ev: NotificationSent) -> None:
        matches.apply_notification_sent(session, ev.data.source_event_id)

    table: dict[str, Callable[[Session, Any], None]] = {
        JobPosted.type_name(): job,
        JobUpdated.type_name(): job,
        JobClosed.type_name(): job_closed,
        TrainingPublished.type_name(): training,
        WorkerRegistered.type_name(): worker,
        WorkerUpdated.type_name(): worker,
        WorkerDeactivated.type_name(): deactivated,
        HouseholdUpdated.type_name(): household,
        EmploymentChanged.type_name(): employment,
    }
    if propose:
        table[WorkerReplied.type_name()] = replied
        table[NotificationSent.type_name()] = sent
    if own is not None:
        return {name: _owned(fn, own) for name, fn in table.items()}
    return table


_JOB_EVENTS = frozenset({JobPosted.type_name(), JobUpdated.type_name()})


def _owned(fn: Callable[[Session, Any], None], own: OwnWork) -> Handler:
    def run(session: Session, ev: Any) -> None:
        hold_until_end(session, own.proposing)
        own.wrote(repo.current_txid(session))
        fn(session, ev)
        if ev.type in _JOB_EVENTS:
            own.handled_job(ev.data.job_id)

    return run


def build_consumer(runtime: Runtime, state: MatchingState, own: OwnWork | None = None) -> ConsumerRunner:
    """One consumer of jobs, workers and notifications events, so the in-memory index has one writer."""
    s = runtime.settings
    config = ConsumerConfig(
        name="matching",
        group_id=s.group("matching"),
        topics=[s.topic("jobs.events"), s.topic("workers.events"), s.topic("notifications.events")],
        bootstrap=s.kafka_bootstrap,
    )
    return ConsumerRunner(config, runtime.engine, runtime.tables, handlers(state, own=own), runtime.producer)
