"""Replicas follow each other: every replica mirrors the whole read model, whoever wrote it.

Proposing is split by the consumer group (each job or worker event goes to one replica), but ranking
needs every worker and job. So each replica reads, every interval, the read-model rows written by any
transaction since the oldest one that was still running at its previous look (PostgreSQL's snapshot
xmin; a trigger stamps each row with its writer's transaction id), and puts them into its indexes.
Rows are re-read until they are older than that horizon, so nothing committed late is missed.

One race remains when a job and a worker arrive at two replicas at the same moment: each ranks before
the other's row is visible. The job's replica closes it: when it mirrors a worker written by another
replica, it proposes again for the jobs it handled itself in the last few seconds (pairs already
matched are skipped, so nothing is proposed twice).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict

from anju_common.background import PeriodicTask
from anju_common.db import session_scope
from anju_common.events import JobStatus
from anju_common.logs import get_logger
from sqlalchemy import Engine
from sqlmodel import Session

from matching import repository as repo
from matching.aliases import load_vocabulary
from matching.config import get_settings, today
from matching.proposals import propose_for_job
from matching.state import MatchingState, household_from_view

log = get_logger(__name__)


class OwnWork:
    """What this process's consumer wrote lately: its transaction ids and the jobs it proposed for."""

    def __init__(self, keep: int = 4096) -> None:
        self.keep = keep
        self.lock = threading.Lock()
        self.txids: OrderedDict[int, None] = OrderedDict()
        self.jobs: OrderedDict[uuid.UUID, float] = OrderedDict()
        # The consumer and a re-proposal of the follower never propose for the same job at once.
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

    def handled_job(self, job_id: uuid.UUID) -> None:
        """Remember that this process proposed for a job just now."""
        with self.lock:
            self.jobs.pop(job_id, None)
            self.jobs[job_id] = time.monotonic()

    def recent_jobs(self, window: float) -> list[uuid.UUID]:
        """Jobs this process proposed for within the last window seconds."""
        horizon = time.monotonic() - window
        with self.lock:
            while self.jobs and next(iter(self.jobs.values())) < horizon:
                self.jobs.popitem(last=False)
            return list(self.jobs)


class IndexFollower(PeriodicTask):
    """Mirror read-model rows written by any replica into this process's indexes."""

    def __init__(
        self, engine: Engine, state: MatchingState, own: OwnWork, since: int, aliases: str = ""
    ) -> None:
        s = get_settings()
        super().__init__(
            "matching-follower", s.follow_interval_seconds, failed_event="matching.follow_failed"
        )
        self.engine = engine
        self.state = state
        self.own = own
        self.since = since
        self.window = s.race_window_seconds
        self.aliases = aliases

    def tick(self) -> int:
        """Read what changed since the horizon, index it, move the horizon; re-propose after a race."""
        with session_scope(self.engine) as session:
            horizon = repo.snapshot_xmin(session)
            self.follow_aliases(session)
            mirrored, foreign_workers = self.mirror(session, self.since)
        self.since = horizon
        if foreign_workers:
            self.repropose()
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

    def mirror(self, session: Session, since: int) -> tuple[int, int]:
        """Index every row written since; returns (rows, workers written by other processes)."""
        households = {}
        for hv, _ in repo.changed_households(session, since):
            hh = household_from_view(hv)
            households[hv.household_id] = hh
            self.state.workers.set_household(hh)
        foreign = 0
        workers = repo.changed_workers(session, since)
        for wv, txid in workers:
            self.state.index_worker(wv, households)
            if wv.active and not self.own.is_own(txid):
                foreign += 1
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
        return len(households) + len(workers) + len(jobs) + len(trainings), foreign

    def repropose(self) -> None:
        """Propose again for this process's recent jobs, now that other replicas' workers are indexed."""
        recent = self.own.recent_jobs(self.window)
        if not recent:
            return
        made = 0
        with self.own.proposing, session_scope(self.engine) as session:
            for job_id in recent:
                job = self.state.jobs.get(job_id)
                if job is None or job.status != JobStatus.open:
                    continue
                made += len(propose_for_job(session, self.state, job, today()))
        if made:
            log.info("matching.reproposed_after_race", jobs=len(recent), proposals=made)
