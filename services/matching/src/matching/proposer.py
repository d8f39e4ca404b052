"""Replicas propose in two steps, so that a job (or a course) and a worker arriving at two replicas at once
still meet.

Step one, in the consumer's transaction (`request`): the read model is stored and a `pending_proposal` row
asks for the job's or the worker's proposals. Step two, after that commit (`Proposer`): a replica claims
pending rows (FOR UPDATE SKIP LOCKED), then runs a follower pass that begins after the claim, so its
indexes hold every row committed before the claimed ones; it ranks, proposes, deletes the rows, commits.

Why no pair is lost: take a job J and a worker W whose step-one commits are c_J < c_W. W's step two ranks
after a pass that began after c_W, so J is in that replica's index and W is proposed J (or the reverse when
c_W < c_J). When both steps find the pair, the one-live-match-per-pair index keeps the first and
`create_matches` skips the other. A replica killed between the steps leaves its rows behind (its offsets
may be lost, but the inbox says the events were applied): every replica sweeps rows older than
MATCHING_PENDING_TAKEOVER_SECONDS. Rows are never merged: a request made while another replica holds a row
of the same job would vanish with that row, though that replica's pass may have begun before it.

Quotas and weekly caps: the subject locks keep one job (or worker) on one replica, not the workers a job
picks; `proposals.within_limits` locks those caps and quotas and counts them again before the insert.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from anju_common.background import BackgroundThread
from anju_common.clock import utcnow
from anju_common.db import session_scope
from anju_common.events import JobStatus
from anju_common.logs import describe_error, get_logger
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from matching import repository as repo
from matching.config import get_settings, today
from matching.follower import IndexFollower, OwnWork
from matching.offers import offer_new_course, offer_training
from matching.proposals import propose_for_jobs, propose_for_worker
from matching.state import MatchingState, after_commit

log = get_logger(__name__)

JOB = "job"
WORKER = "worker"
TRAINING = "training"  # a published course: offered to the workers it unlocks jobs for
BATCH = 100  # pending rows claimed per transaction
_PENDING = "matching_pending_ids"
_RETRY_SECONDS = 0.05  # a job or worker another replica is proposing for right now
_RETRYABLE = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def request(session: Session, kind: str, subject_id: uuid.UUID) -> None:
    """Step one: ask, durably and in the caller's transaction, for a job's or a worker's proposals."""
    session.info.setdefault(_PENDING, []).append(repo.add_pending_proposal(session, kind, subject_id))


class Proposer(BackgroundThread):
    """Step two: make the proposals pending rows ask for, after a follower pass that began after the claim."""

    def __init__(self, engine: Engine, state: MatchingState, follower: IndexFollower, own: OwnWork) -> None:
        super().__init__("matching-proposer")
        s = get_settings()
        self.engine = engine
        self.state = state
        self.follower = follower
        self.own = own
        self.sweep_every = s.pending_sweep_seconds
        self.takeover = timedelta(seconds=s.pending_takeover_seconds)
        self.lock = threading.Lock()
        self.queue: set[int] = set()

    def watch(self, session: Session) -> None:
        """Hand the rows the session's transaction asked for to this proposer once it commits."""
        ids = session.info.pop(_PENDING, None)
        if ids:
            after_commit(session, lambda: self.submit(ids))

    def submit(self, ids: Iterable[int]) -> None:
        """Propose for these pending rows at once."""
        with self.lock:
            self.queue.update(ids)
        self.wake()

    def run(self) -> None:
        """Propose for submitted rows as they come; every sweep interval, for rows left behind anywhere."""
        next_sweep = time.monotonic() + self.sweep_every
        while not self.stopping.is_set():
            wait = self.sweep_every
            try:
                if self.drain():
                    wait = _RETRY_SECONDS
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_every
                    self.sweep()
            except Exception as exc:
                log.warning("matching.propose_failed", error=describe_error(exc))
            self.sleep(max(min(wait, next_sweep - time.monotonic()), 0.0))

    def drain(self) -> int:
        """Propose for the submitted rows; returns how many are left for later (held elsewhere)."""
        with self.lock:
            ids = sorted(self.queue)
            self.queue.clear()
        left: list[int] = []
        for i in range(0, len(ids), BATCH):
            chunk = ids[i : i + BATCH]
            try:
                left += self.propose(ids=chunk)[1]
            except DBAPIError as exc:
                # Two replicas inserting overlapping pairs in different orders: one is chosen to give way.
                if getattr(exc.orig, "sqlstate", None) not in _RETRYABLE:
                    raise
                log.info("matching.propose_retried", rows=len(chunk), error=str(exc.orig)[:200])
                left += chunk
        with self.lock:
            self.queue.update(left)
        return len(left)

    def sweep(self) -> int:
        """Take over the pending rows older than the takeover delay (their replica died or failed)."""
        taken = 0
        while True:
            claimed, left = self.propose(before=utcnow() - self.takeover)
            taken += claimed - len(left)
            if claimed < BATCH or left:  # the rest at the next sweep, rather than claiming them again now
                break
        if taken:
            log.info("matching.pending_taken_over", rows=taken)
        return taken

    def propose(
        self, *, ids: list[int] | None = None, before: datetime | None = None
    ) -> tuple[int, list[int]]:
        """One claim (rows by id, or made before a moment): lock them, follow, propose for each job or
        worker, delete the rows; returns how many were claimed and the ids left for later (another
        replica is proposing for their job or worker right now)."""
        with session_scope(self.engine) as session:
            rows = repo.claim_pending_proposals(session, ids=ids, before=before, limit=BATCH)
            if not rows:
                return 0, []
            # Its matches change no job's seats in this process's index: the follower may skip them.
            self.own.wrote(repo.current_txid(session))
            # The pass must begin after the claim, and this process's own commits must be indexed too.
            self.own.indexed()
            self.follower.tick()
            subjects: dict[tuple[str, uuid.UUID], list[int]] = {}
            for row in rows:
                assert row.id is not None
                subjects.setdefault((row.kind, row.subject_id), []).append(row.id)
            day = today()
            locked = repo.try_lock_subjects(session, sorted(subjects))
            # In the order they were asked for: the earlier posting gets the first pick of workers.
            order = sorted(locked, key=lambda subject: min(subjects[subject]))
            done = [i for subject in order for i in subjects[subject]]
            left = [i for subject, row_ids in subjects.items() if subject not in locked for i in row_ids]
            made = self.propose_for_jobs(session, [s for k, s in order if k == JOB], day)
            for kind, subject_id in order:
                if kind == WORKER:
                    made += self.propose_for_worker(session, subject_id, day)
                elif kind == TRAINING:
                    made += self.offer_course(session, subject_id, day)
            repo.delete_pending_proposals(session, done)
        if made:
            log.info("matching.proposed", rows=len(rows), proposals=made)
        return len(rows), left

    def propose_for_jobs(self, session: Session, job_ids: list[uuid.UUID], day: date) -> int:
        """The proposals of open jobs, as the consumer makes them with one process; how many."""
        jobs = [job for job_id in job_ids if (job := self.state.jobs.get(job_id)) is not None]
        open_jobs = [job for job in jobs if job.status == JobStatus.open]
        return len(propose_for_jobs(session, self.state, open_jobs, day))

    def propose_for_worker(self, session: Session, worker_id: uuid.UUID, day: date) -> int:
        """The proposals of one worker (and a course when one would unlock better jobs); how many."""
        worker = self.state.workers.get(worker_id)
        if worker is None:
            return 0
        household = self.state.workers.household_of(worker_id)
        made, best = propose_for_worker(session, self.state, worker, household, day)
        offer_training(session, self.state, worker, household, day, best)
        return len(made)

    def offer_course(self, session: Session, training_id: uuid.UUID, day: date) -> int:
        """A published course's offers to the workers it would unlock open jobs for; how many."""
        course = self.state.jobs.trainings.get(training_id)
        if course is None:
            return 0
        return len(offer_new_course(session, self.state, course, day))


def _forget(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # a rolled-back transaction's requests are gone with it
        session.info.pop(_PENDING, None)


event.listen(OrmSession, "after_transaction_end", _forget)
