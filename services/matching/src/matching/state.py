"""The in-memory ranking state of a process: indexes loaded from the read model, updated after commits."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping

from anju_common.events import JobData, MonitoringCategory, TrainingData, WorkerData
from anju_common.logs import get_logger
from anju_taxonomy import Vocabulary, default_vocabulary
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from matching import repository as repo
from matching.engine.index import JobIndex, WorkerIndex
from matching.engine.profiles import (
    HouseholdProfile,
    WorkerProfile,
    household_profile,
    job_profile,
    training_profile,
    worker_profile,
)
from matching.engine.rules import Params
from matching.models import HouseholdView, JobView, TrainingView, WorkerView

log = get_logger(__name__)
_HOOKS = "matching_after_commit"
_RELEASE = "matching_release"


class MatchingState:
    """Worker and job indexes shared by the consumers and the HTTP handlers of one process."""

    def __init__(self, params: Params, vocabulary: Vocabulary | None = None) -> None:
        self.params = params
        self.norm = vocabulary or default_vocabulary()
        self.workers = WorkerIndex(self.norm, params)
        self.jobs = JobIndex(self.norm, params, self.workers.names)

    def load(self, session: Session) -> None:
        """Fill the indexes from the read-model tables."""
        households = {h.household_id: household_from_view(h) for h in repo.all_households(session)}
        for hh in households.values():
            self.workers.set_household(hh)
        for wv in repo.all_workers(session):
            self.index_worker(wv, households)
        hired = repo.hired_counts(session)
        for jv in repo.all_jobs(session):
            self.index_job(jv, hired.get(jv.job_id, 0))
        for tv in repo.all_trainings(session):
            self.index_training(tv)
        log.info("matching.state_loaded", workers=len(self.workers), jobs=len(self.jobs))

    def index_worker(
        self, wv: WorkerView, households: Mapping[uuid.UUID, HouseholdProfile]
    ) -> WorkerProfile | None:
        """Put a stored worker into the index as the table holds it (removed when inactive)."""
        if wv.data is None:
            return None
        data = WorkerData.model_validate(wv.data)
        hh = households.get(data.household_id) or household_profile(data.household)
        profile = worker_profile(data, self.norm, risk=wv.risk_cause is not None)
        self.workers.upsert(profile, hh)
        if not wv.active:
            self.workers.remove(profile.worker_id)
        return profile

    def index_job(self, jv: JobView, hired: int) -> None:
        """Put a stored job into the index with the seats its hires leave."""
        if jv.data is None:
            return
        job = JobData.model_validate(jv.data)
        seats = job.headcount - max(job.hired_count, hired)
        if jv.status != job.status:
            job = job.model_copy(update={"status": jv.status})
        self.jobs.upsert(job_profile(job, self.norm, seats))

    def index_training(self, tv: TrainingView) -> None:
        """Put a stored course into the index."""
        if tv.data is not None:
            self.jobs.upsert_training(training_profile(TrainingData.model_validate(tv.data), self.norm))


def household_from_view(view: HouseholdView) -> HouseholdProfile:
    """A stored household as a profile."""
    return HouseholdProfile(
        household_id=view.household_id,
        site_id=view.site_id,
        zero_employment=view.zero_employment,
        zero_employment_since=view.zero_employment_since,
        monitoring=MonitoringCategory(view.monitoring_category),
        version=view.version,
    )


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Run fn once the session's transaction commits (dropped on rollback)."""
    session.info.setdefault(_HOOKS, []).append(fn)


def hold_until_end(session: Session, lock: threading.RLock) -> None:
    """Take lock until the session's transaction commits or rolls back (not just until a handler returns)."""
    lock.acquire()
    session.info.setdefault(_RELEASE, []).append(lock.release)


def _release(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: commit, rollback or close
        for release in session.info.pop(_RELEASE, []):
            release()


def _run_hooks(session: OrmSession) -> None:
    for fn in session.info.pop(_HOOKS, []):
        try:
            fn()
        except Exception:
            log.exception("matching.after_commit_failed")


def _drop_hooks(session: OrmSession) -> None:
    session.info.pop(_HOOKS, None)


event.listen(OrmSession, "after_commit", _run_hooks)
event.listen(OrmSession, "after_rollback", _drop_hooks)
event.listen(OrmSession, "after_transaction_end", _release)
