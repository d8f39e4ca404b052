"""Replicas follow each other: every replica mirrors the whole read model, whoever wrote it.

Proposing is split by the consumer group (each job or worker event goes to one replica), but ranking
needs every worker and job. So each replica reads, every interval, the read-model rows written by any
transaction since the oldest one that was still running at its previous look (PostgreSQL's snapshot
xmin; a trigger stamps each row with its writer's transaction id), and puts them into its indexes.
Rows are re-read until they are older than that horizon, so nothing committed late is missed.

A pass is also what the proposer runs after claiming pending proposals (matching/proposer.py): a pass
that begins after a commit indexes everything committed before it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from anju_common.background import PeriodicTask
from anju_common.db import session_scope
from anju_common.logs import get_logger
from sqlalchemy import Engine
from sqlmodel import Session

from matching import repository as repo
from matching.aliases import load_vocabulary
from matching.config import get_settings
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


class IndexFollower(PeriodicTask):
    """Mirror read-model rows written by any replica into this process's indexes."""

    def __init__(
        self, engine: Engine, state: MatchingState, own: OwnWork, since: int, aliases: str = ""
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

    def tick(self) -> int:
        """Read what changed since the horizon, index it, move the horizon."""
        with self.lock, session_scope(self.engine) as session:
            horizon = repo.snapshot_xmin(session)
            self.follow_aliases(session)
            mirrored = self.mirror(session, self.since)
            self.since = horizon
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
        """Index every row written since; returns how many."""
        households = {}
        for hv, _ in repo.changed_households(session, since):
            hh = household_from_view(hv)
            households[hv.household_id] = hh
            self.state.workers.set_household(hh)
        workers = repo.changed_workers(session, since)
        for wv, _ in workers:
            self.state.index_worker(wv, households)
        # This process's consumer indexed its own jobs (and their seats) after each commit already.
        jobs = {jv.job_id: jv for jv, txid in repo.changed_jobs(session, since) if not self.own.is_own(txid)}
        matched = {
            job_id
            for job_id, txid in repo.jobs_with_changed_matches(session, since)
            if not self.own.is_own(txid)
        }
        for jv in repo.jobs_by_id(session, matched - set(jobs)):
            jobs[jv.job_id] = jv
        hired = repo.hired_counts(session, list(jobs)) if jobs else {}
        for jv in jobs.values():
            self.state.index_job(jv, hired.get(jv.job_id, 0))
        trainings = repo.changed_trainings(session, since)
        for tv, _ in trainings:
            self.state.index_training(tv)
        return len(households) + len(workers) + len(jobs) + len(trainings)
