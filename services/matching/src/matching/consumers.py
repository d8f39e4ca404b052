"""Event consumers of the matching service."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from anju_common.app import Runtime
from anju_common.events import (
    EmploymentChanged,
    HouseholdUpdated,
    JobClosed,
    JobPosted,
    JobUpdated,
    NotificationSent,
    PlacementEnded,
    TaxonomyAliasAdded,
    TaxonomyAliasRemoved,
    TrainingPublished,
    WorkerDeactivated,
    WorkerOptedOut,
    WorkerRegistered,
    WorkerReplied,
    WorkerUpdated,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler, Many, _Fallback, record_type
from anju_common.logs import get_logger
from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from matching import aliases, matches, projection
from matching import repository as repo
from matching.config import today
from matching.follower import OwnWork
from matching.proposer import Proposer
from matching.state import MatchingState, hold_until_end

log = get_logger(__name__)


def handlers(
    state: MatchingState,
    *,
    propose: bool = True,
    own: OwnWork | None = None,
    proposer: Proposer | None = None,
) -> dict[str, Handler]:
    """Event type -> handler; with propose=False only the read model changes (used by rebuild).

    With own (replicas follow each other), every handled event records its transaction as this
    process's and holds the proposing lock until its after-commit hooks ran. With a proposer too, jobs
    and workers are proposed for after commit, by a replica's proposer (matching/proposer.py).
    """
    defer = proposer is not None

    def job(session: Session, ev: Any) -> None:
        projection.apply_job(session, state, ev.data, propose=propose, defer=defer)

    def job_closed(session: Session, ev: JobClosed) -> None:
        projection.apply_job_closed(session, state, ev.data, propose=propose)

    def training(session: Session, ev: TrainingPublished) -> None:
        projection.apply_training(session, state, ev.data, propose=propose, defer=defer)

    def worker(session: Session, ev: Any) -> None:
        projection.apply_worker(session, state, ev.data, propose=propose, at=ev.time, defer=defer)

    def deactivated(session: Session, ev: WorkerDeactivated) -> None:
        projection.apply_worker_deactivated(session, state, ev.data, propose=propose)

    def household(session: Session, ev: HouseholdUpdated) -> None:
        projection.apply_household(session, state, ev.data)

    def employment(session: Session, ev: EmploymentChanged) -> None:
        projection.apply_employment(session, state, ev.data, propose=propose, defer=defer)

    def replied(session: Session, ev: WorkerReplied) -> None:
        matches.apply_reply(session, ev.data)

    def sent(session: Session, evs: list[NotificationSent]) -> None:
        matches.apply_notifications_sent(session, [ev.data.source_event_id for ev in evs])

    def opted_out(session: Session, ev: WorkerOptedOut) -> None:
        projection.apply_opted_out(session, state, ev.data.worker_id, ev.time)

    def placement_ended(session: Session, ev: PlacementEnded) -> None:
        matches.apply_placement_ended(session, state, ev.data)

    def alias(session: Session, ev: Any) -> None:
        aliases.apply_alias_change(session, state, [ev.data.key], today())

    table: dict[str, Callable[[Session, Any], None] | Many] = {
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
        table[NotificationSent.type_name()] = Many(sent)
        table[WorkerOptedOut.type_name()] = opted_out
        table[PlacementEnded.type_name()] = placement_ended
        table[TaxonomyAliasAdded.type_name()] = alias
        table[TaxonomyAliasRemoved.type_name()] = alias
    flushed = {name: _flushed(fn) for name, fn in table.items()}
    if own is not None:
        return {name: _owned(fn, own, proposer) for name, fn in flushed.items()}
    return flushed


def _around(
    fn: Callable[[Session, Any], None] | Many,
    before: Callable[[Session], None],
    after: Callable[[Session], None],
) -> Handler:
    """fn with steps before and after it; a Many stays a Many (its run of events gets them once)."""
    if isinstance(fn, Many):
        inner = fn.handler

        def run_many(session: Session, evs: list[Any]) -> None:
            before(session)
            inner(session, evs)
            after(session)

        return Many(run_many)

    def run(session: Session, ev: Any) -> None:
        before(session)
        fn(session, ev)
        after(session)

    return run


def _nothing(session: Session) -> None:
    return None


def _flushed(fn: Callable[[Session, Any], None] | Many) -> Handler:
    """Flush what a handler changed before the next event of a batch reads (batches run without autoflush)."""
    return _around(fn, _nothing, lambda session: session.flush())


_TXID = "matching_own_txid"


def _owned(fn: Handler, own: OwnWork, proposer: Proposer | None) -> Handler:
    def before(session: Session) -> None:
        hold_until_end(session, own.proposing)
        if _TXID not in session.info:  # once per transaction, however many events it handles
            session.info[_TXID] = repo.current_txid(session)
            own.wrote(session.info[_TXID])

    def after(session: Session) -> None:
        if proposer is not None:
            proposer.watch(session)

    return _around(fn, before, after)


def _forget_txid(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TXID, None)


event.listen(OrmSession, "after_transaction_end", _forget_txid)

# Events that may share one transaction with the events of the same group next to them in a poll. Their
# handlers read nothing the others change only after commit (the in-memory indexes): a job's proposals
# rank the worker index, which job events leave alone, and see the earlier jobs' matches in the database
# (flushed). Every other event (workers, households, closings, TD, aliases) gets a transaction of its own,
# as the index it changes after commit may be read by the next one.
BATCH_GROUPS: dict[str, str] = {
    JobPosted.type_name(): "job",
    JobUpdated.type_name(): "job",
    NotificationSent.type_name(): "sent",
    WorkerReplied.type_name(): "replied",
}


# With a proposer (replicas propose in two steps) a worker's registration or update ranks nothing in the
# consumer's transaction and reads no index there (its view, household, offers and unknown spellings are
# rows, flushed between events), so neighbouring ones share a transaction too.
DEFERRED_BATCH_GROUPS: dict[str, str] = {
    **BATCH_GROUPS,
    WorkerRegistered.type_name(): "worker",
    WorkerUpdated.type_name(): "worker",
}


def _group(record: Any, groups: dict[str, str]) -> str | None:
    """The batch group of a polled record, from its type header or else its CloudEvents type (None: a
    transaction of its own)."""
    kind = record_type(record)
    if kind is None:
        try:
            kind = json.loads(record.value).get("type")
        except (ValueError, TypeError, AttributeError):
            return None
    return groups.get(kind) if isinstance(kind, str) else None


def segments(records: Sequence[Any], groups: dict[str, str] = BATCH_GROUPS) -> list[list[Any]]:
    """Split a poll into runs of neighbouring records of one batch group; any other record stands alone.
    Order is kept, so events of one partition are still handled in their order."""
    out: list[list[Any]] = []
    last: str | None = None
    for rec in records:
        group = _group(rec, groups)
        if group is not None and group == last and out:
            out[-1].append(rec)
        else:
            out.append([rec])
        last = group
    return out


class MatchingConsumer(ConsumerRunner):
    """The kit's consumer in batch mode, one transaction per run of batchable events (`segments`)."""

    groups: dict[str, str] = BATCH_GROUPS

    def _batch(self, consumer: KafkaConsumer, records: list[Any]) -> None:
        for part in segments([rec for rec in records if self.wanted(rec)], self.groups):
            if len(part) == 1:  # alone: the one-event path, as without batching
                rec = part[0]
                self.handle_raw(rec.topic, rec.key, rec.value, rec.partition, rec.offset)
                continue
            try:
                self.handle_batch(part)
            except _Fallback as exc:
                log.info(
                    "consumer.batch_fallback", consumer=self.config.name, reason=str(exc), records=len(part)
                )
                for rec in part:
                    self.handle_raw(rec.topic, rec.key, rec.value, rec.partition, rec.offset)
        if records:
            consumer.commit(
                {
                    TopicPartition(rec.topic, rec.partition): OffsetAndMetadata(rec.offset + 1, "", -1)
                    for rec in records
                }
            )


def build_consumer(
    runtime: Runtime, state: MatchingState, own: OwnWork | None = None, proposer: Proposer | None = None
) -> ConsumerRunner:
    """One consumer of jobs, workers and notifications events (and its own matching.events, for the
    aliases admins add), so the in-memory index has one writer; neighbouring job postings (and SMS
    receipts, replies; with a proposer, workers' registrations and updates) share a transaction."""
    s = runtime.settings
    config = ConsumerConfig(
        name="matching",
        group_id=s.group("matching"),
        topics=[
            s.topic("jobs.events"),
            s.topic("workers.events"),
            s.topic("notifications.events"),
            s.topic("matching.events"),
        ],
        bootstrap=s.kafka_bootstrap,
        batch=True,
    )
    runner = MatchingConsumer(
        config, runtime.engine, runtime.tables, handlers(state, own=own, proposer=proposer), runtime.producer
    )
    if proposer is not None:
        runner.groups = DEFERRED_BATCH_GROUPS
    return runner
