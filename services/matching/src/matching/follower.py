"""Replicas follow each other: every replica mirrors the whole read model, whoever wrote it.

Proposing is split by the consumer group (each job or worker event goes to one replica), but ranking
needs every worker and job. So each replica reads, every interval, the read-model rows written by any
transaction since the oldest one that was still running at its previous look (PostgreSQL's snapshot
xmin; a trigger stamps each row with its writer's transaction id), and puts them into its indexes.
Rows are looked at again until they are older than that horizon, so nothing committed late is missed;
only their keys are, though: a row is read and indexed once per writing transaction (`Seen`), so a
transaction held open anywhere on the database server (a long import, a report), which holds the
horizon back, costs a scan of keys rather than re-indexing every row written since.

A pass is also what the proposer runs after claiming pending proposals (matching/proposer.py): a pass
that begins after a commit indexes everything committed before it.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from anju_common.background import PeriodicTask
from anju_common.db import session_scope
from anju_common.logs import get_logger
from sqlalchemy import Engine
from sqlmodel import Session

from matching import repository as repo
from matching.aliases import load_vocabulary
from matching.config import get_settings
from matching.engine.profiles import HouseholdProfile
from matching.models import HouseholdView, JobView, TrainingView, WorkerView
from matching.state import MatchingState, household_from_view

log = get_logger(__name__)


class OwnWork:
    """What this process's consumer wrote lately: its transaction ids, already indexed after commit."""

    def __init__(self, keep: int = 4096) -> None:
        self.keep = keep
        self.lock = threading.Lock()
        self.txids: OrderedDict[int, None] = OrderedDict()
        # Held by the consumer from its first handler until its after-commit hooks ran, so whoever takes
        # it knows that every transaction this process committed before is in the indexes.
        self.proposing = threading.RLock()

    def wrote(self, txid: int) -> None:
        """Remember a transaction of this process."""
        with self.lock:
            self.txids[txid] = None
            while len(self.txids) > self.keep:
                self.txids.popitem(last=False)

    def is_own(self, txid: int) -> bool:
        """Whether this process wrote in that transaction."""
        with self.lock:
            return txid in self.txids

    def indexed(self) -> None:
        """Return once every transaction this process's consumer committed so far is in the indexes."""
        with self.proposing:
            pass


class Seen:
    """The rows of one table indexed since the horizon: key -> the transaction that wrote what we read."""

    def __init__(self) -> None:
        self.txids: dict[Any, int] = {}

    def fresh(self, changed: Iterable[tuple[Any, int]]) -> list[Any]:
        """The keys whose writing transaction is not the one already indexed."""
        return [key for key, txid in changed if self.txids.get(key) != txid]

    def saw(self, key: Any, txid: int) -> None:
        """Remember that this key's row, as that transaction wrote it, is indexed."""
        self.txids[key] = txid

    def forget_before(self, horizon: int) -> None:
        """Drop rows written before the horizon: passes from there on never look at them again."""
        self.txids = {key: txid for key, txid in self.txids.items() if txid >= horizon}


TABLES: dict[str, Any] = {
    "household": HouseholdView,
    "worker": WorkerView,
    "job": JobView,
    "training": TrainingView,
}


def empty_seen() -> dict[str, Seen]:
    """Nothing indexed yet, per table (and per job's matches)."""
    return {name: Seen() for name in (*TABLES, "match")}


def loaded_seen(session: Session, since: int) -> dict[str, Seen]:
    """What a state load in this session's snapshot indexed of the rows written from since on, so that the
    first passes do not index them again (the session must be REPEATABLE READ: the load's snapshot)."""
    seen = empty_seen()
    for name, model in TABLES.items():
        for key, txid in repo.changed_keys(session, model, since):
            seen[name].saw(key, txid)
    for job_id, txid in repo.jobs_with_changed_matches(session, since):
        seen["match"].saw((job_id, txid), txid)
    return seen


class IndexFollower(PeriodicTask):
    """Mirror read-model rows written by any replica into this process's indexes."""

    def __init__(
        self,
        engine: Engine,
        state: MatchingState,
        own: OwnWork,
        since: int,
        aliases: str = "",
        seen: dict[str, Seen] | None = None,
    ) -> None:
        super().__init__(
            "matching-follower", get_settings().follow_interval_seconds, failed_event="matching.follow_failed"
        )
        self.engine = engine
        self.state = state
        self.own = own
        self.since = since
        self.aliases = aliases
        # The timer and the proposer both run passes; one at a time, each moving the horizon it read from.
        self.lock = threading.Lock()
        self.seen = seen if seen is not None else empty_seen()

    def tick(self) -> int:
        """Read what changed since the horizon, index it, move the horizon."""
        with self.lock, session_scope(self.engine) as session:
            horizon = repo.snapshot_xmin(session)
            self.follow_aliases(session)
            mirrored = self.mirror(session, self.since)
            self.since = horizon
            for seen in self.seen.values():
                seen.forget_before(horizon)
        return mirrored

    def follow_aliases(self, session: Session) -> None:
        """When another replica stored or removed an alias, read the vocabulary and every profile again."""
        current = repo.alias_fingerprint(session)
        if current == self.aliases:
            return
        self.aliases = current
        load_vocabulary(session, self.state)
        self.state.load(session)
        log.info("matching.vocabulary_followed")

    def mirror(self, session: Session, since: int) -> int:
        """Index every row written since that this follower has not indexed yet; returns how many."""
        seen = self.seen
        households: dict[uuid.UUID, HouseholdProfile] = {}
        for hv, txid in self._fresh_rows(session, "household", since):
            households[hv.household_id] = hh = household_from_view(hv)
            self.state.workers.set_household(hh)
            seen["household"].saw(hv.household_id, txid)
        workers = self._fresh_rows(session, "worker", since)
        # A worker is indexed with its household as stored, not the snapshot in its own event.
        others = {wv.household_id for wv, _ in workers if wv.household_id is not None} - set(households)
        for hv, _ in repo.rows_by_key(session, HouseholdView, sorted(others)):
            households[hv.household_id] = household_from_view(hv)
        for wv, txid in workers:
            self.state.index_worker(wv, households)
            seen["worker"].saw(wv.worker_id, txid)
        # This process's consumer indexed its own jobs (and their seats) after each commit already.
        jobs: dict[uuid.UUID, JobView] = {}
        changed = repo.changed_keys(session, JobView, since)
        for job_id, txid in changed:
            if self.own.is_own(txid):
                seen["job"].saw(job_id, txid)
        for jv, txid in repo.rows_by_key(session, JobView, seen["job"].fresh(changed)):
            jobs[jv.job_id] = jv
            seen["job"].saw(jv.job_id, txid)
        matched = set()
        for job_id, txid in repo.jobs_with_changed_matches(session, since):
            if not self.own.is_own(txid) and seen["match"].txids.get((job_id, txid)) is None:
                matched.add(job_id)
            seen["match"].saw((job_id, txid), txid)
        for jv, _ in repo.rows_by_key(session, JobView, sorted(matched - set(jobs))):
            jobs[jv.job_id] = jv
        hired = repo.hired_counts(session, list(jobs)) if jobs else {}
        for jv in jobs.values():
            self.state.index_job(jv, hired.get(jv.job_id, 0))
        trainings = self._fresh_rows(session, "training", since)
        for tv, txid in trainings:
            self.state.index_training(tv)
            seen["training"].saw(tv.training_id, txid)
        return len(households) + len(workers) + len(jobs) + len(trainings)

    def _fresh_rows(self, session: Session, table: str, since: int) -> list[tuple[Any, int]]:
        model = TABLES[table]
        keys = self.seen[table].fresh(repo.changed_keys(session, model, since))
        return repo.rows_by_key(session, model, keys)
