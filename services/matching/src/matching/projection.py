"""The read model: jobs, courses, workers and households as their services publish them, kept if newer."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from anju_common.clock import utcnow
from anju_common.events import (
    EmploymentChangedData,
    EmploymentStatus,
    HouseholdData,
    JobClosedData,
    JobData,
    JobStatus,
    MatchStatus,
    TrainingData,
    WorkerData,
    WorkerDeactivatedData,
)
from sqlmodel import Session

from matching import aliases
from matching import repository as repo
from matching.config import today
from matching.engine.profiles import (
    HouseholdProfile,
    household_profile,
    job_profile,
    training_profile,
    worker_profile,
)
from matching.lifecycle import OPEN_STATUSES
from matching.matches import expire_for_job, transition
from matching.models import HouseholdView, JobView, TrainingOffer, TrainingView, WorkerView
from matching.offers import complete_offers, offer_new_course, offer_training
from matching.proposals import cooldown_start, propose_for_job, propose_for_worker
from matching.proposer import JOB, TRAINING, WORKER, request
from matching.state import MatchingState, after_commit, automation_off, household_from_view


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


def apply_job(
    session: Session, state: MatchingState, data: JobData, *, propose: bool = True, defer: bool = False
) -> list[uuid.UUID]:
    """job.posted / job.updated: store if newer, re-index, expire or propose (defer: ask a replica to
    propose after commit, matching/proposer.py)."""
    new = _store_job(session, data)
    if new is None:
        return []
    # One read of the job's matches gives its hires and, when proposing, the pairs to skip. A job new to
    # the read model has none yet; the proposer reads them again when it proposes (defer).
    skip_read = new and defer and propose
    blocking = [] if skip_read else repo.blocking_matches_of_job(session, data.job_id, cooldown_start())
    hired = sum(1 for _, status in blocking if status == MatchStatus.hired)
    # The jobs service counts hires too (hired_count); trust whichever has seen more of them.
    seats = data.headcount - max(data.hired_count, hired)
    job = job_profile(data, state.norm, seats)
    aliases.record_job(session, data, job, new=new)
    after_commit(session, lambda: state.jobs.upsert(job))
    if not propose:
        return []
    if data.status != JobStatus.open:
        expire_for_job(session, data.job_id, data.status.value)
        return []
    if defer:
        request(session, JOB, data.job_id)
        return []
    return propose_for_job(session, state, job, today(), blocking=blocking)


def _store_job(session: Session, data: JobData) -> bool | None:
    """Store a job's view if newer: True when new, False when updated, None when not newer."""
    values: dict[str, Any] = {
        "job_id": data.job_id,
        "version": data.version,
        "employer_id": data.employer_id,
        "site_id": data.location.site_id,
        "status": data.status,
        "data": _dump(data),
        "updated_at": utcnow(),
    }
    if session.get_bind().dialect.name == "postgresql":
        return repo.store_job_view_if_newer(session, values)  # one statement instead of read, then write
    view = repo.get_job_view(session, data.job_id, for_update=True)
    if view is not None and view.version >= data.version:
        return None
    session.add(JobView(**values) if view is None else view.sqlmodel_update(values))
    session.flush()
    return view is None


def apply_job_closed(
    session: Session, state: MatchingState, data: JobClosedData, *, propose: bool = True
) -> int:
    """job.closed: mark it and expire the open proposals."""
    view = repo.get_job_view(session, data.job_id, for_update=True)
    if view is not None and view.version >= data.version:
        return 0
    status = JobStatus.filled if data.reason == "filled" else JobStatus.closed
    if view is None:
        view = JobView(job_id=data.job_id, version=data.version, employer_id=data.employer_id)
    view.version = data.version
    view.status = status
    view.updated_at = utcnow()
    session.add(view)
    session.flush()
    current = state.jobs.get(data.job_id)
    if current is not None:
        closed = replace(current, status=status)
        after_commit(session, lambda: state.jobs.upsert(closed))
    return expire_for_job(session, data.job_id, data.reason) if propose else 0


def apply_training(
    session: Session, state: MatchingState, data: TrainingData, *, propose: bool = True, defer: bool = False
) -> list[TrainingOffer]:
    """training.published: store if newer, re-index, offer it to workers it unlocks jobs for (defer: ask a
    replica to offer it after commit, once it has followed every worker stored before)."""
    view = repo.get_training_view(session, data.training_id, for_update=True)
    if view is not None and view.version >= data.version:
        return []
    if view is None:
        view = TrainingView(training_id=data.training_id, version=data.version)
    view.version = data.version
    view.data = _dump(data)
    view.updated_at = utcnow()
    session.add(view)
    course = training_profile(data, state.norm)
    after_commit(session, lambda: state.jobs.upsert_training(course))
    if not propose:
        return []
    if defer:
        request(session, TRAINING, data.training_id)
        return []
    return offer_new_course(session, state, course, today())


def apply_household(session: Session, state: MatchingState, data: HouseholdData) -> HouseholdProfile:
    """Household signals from any event: stored if newer; returns the current ones."""
    view = repo.get_household_view(session, data.household_id, for_update=True)
    if view is not None and view.version >= data.version:
        return household_from_view(view)
    if view is None:
        view = HouseholdView(household_id=data.household_id, version=data.version)
    view.version = data.version
    view.site_id = data.site_id
    view.zero_employment = data.zero_employment
    view.zero_employment_since = data.zero_employment_since
    view.monitoring_category = data.monitoring_category.value
    view.updated_at = utcnow()
    session.add(view)
    hh = household_profile(data)
    after_commit(session, lambda: state.workers.set_household(hh))
    return hh


def apply_worker(
    session: Session,
    state: MatchingState,
    data: WorkerData,
    *,
    propose: bool = True,
    at: datetime | None = None,
    defer: bool = False,
) -> tuple[list[uuid.UUID], TrainingOffer | None]:
    """worker.registered / worker.updated: store if newer, re-index, propose jobs and maybe a course
    (none while the worker refuses automated matching or has texted TD; defer: after commit)."""
    view = repo.get_worker_view(session, data.worker_id, for_update=True)
    household = apply_household(session, state, data.household)
    if view is not None and view.version >= data.version:
        return [], None
    new = view is None
    if view is None:
        view = WorkerView(worker_id=data.worker_id, version=data.version)
    was_off = automation_off(view)
    view.version = data.version
    view.household_id = data.household_id
    view.site_id = data.site_id
    view.active = data.active
    view.data = _dump(data)
    # SMS consent given again after a TD (a change made after the TD, not an older snapshot) ends it.
    if view.opted_out_at is not None and data.sms_consent and at is not None and at > view.opted_out_at:
        view.opted_out_at = None
    view.updated_at = utcnow()
    session.add(view)
    session.flush()
    off = automation_off(view)
    worker = worker_profile(data, state.norm, risk=view.risk_cause is not None)
    after_commit(session, lambda: state.set_automation(data.worker_id, off))
    aliases.record_worker(session, data, worker, new=new)

    def _index() -> None:
        state.workers.upsert(worker, household)
        if not worker.active:
            state.workers.remove(worker.worker_id)

    after_commit(session, _index)
    if not propose:
        return [], None
    complete_offers(session, worker)
    if not worker.active:
        for m in repo.open_matches_of_worker(session, worker.worker_id):
            transition(session, m, MatchStatus.expired, actor="system", note="worker inactive")
        return [], None
    if off is not None:
        if was_off is None:
            stop_automatic_proposals(session, data.worker_id, off)
        return [], None
    if defer:
        request(session, WORKER, data.worker_id)
        return [], None
    day = today()
    made, best = propose_for_worker(session, state, worker, household, day)
    offer = offer_training(session, state, worker, household, day, best)
    return made, offer


def stop_automatic_proposals(session: Session, worker_id: uuid.UUID, why: str) -> int:
    """Expire the open proposals the system made to a worker who refused automation or texted TD, so they
    hold none of a job's slots; staff's own proposals stay."""
    rows = repo.automatic_open_matches_of_worker(session, worker_id)
    note = "automated matching refused" if why == "refused" else "worker opted out of SMS"
    for m in rows:
        transition(session, m, MatchStatus.expired, actor="system", note=note)
    return len(rows)


def apply_opted_out(session: Session, state: MatchingState, worker_id: uuid.UUID, at: datetime) -> None:
    """notifications' worker.opted_out (TD): no automatic proposals until SMS consent is given again."""
    view = repo.get_worker_view(session, worker_id, for_update=True)
    if view is None:
        view = WorkerView(worker_id=worker_id, version=0)
    was_off = automation_off(view)
    if view.opted_out_at is not None and view.opted_out_at >= at:
        return
    view.opted_out_at = at
    view.updated_at = utcnow()
    session.add(view)
    session.flush()
    off = automation_off(view)
    after_commit(session, lambda: state.set_automation(worker_id, off))
    if was_off is None and off is not None:
        stop_automatic_proposals(session, worker_id, off)


def apply_worker_deactivated(
    session: Session, state: MatchingState, data: WorkerDeactivatedData, *, propose: bool = True
) -> None:
    """worker.deactivated: never a candidate again; live proposals expire."""
    view = repo.get_worker_view(session, data.worker_id, for_update=True)
    if view is not None and view.version >= data.version:
        return
    if view is None:
        view = WorkerView(worker_id=data.worker_id, version=data.version)
    view.version = data.version
    view.active = False
    view.household_id = data.household_id
    view.site_id = data.site_id
    if view.data is not None:
        view.data = {**view.data, "active": False, "version": data.version}
    view.updated_at = utcnow()
    session.add(view)
    after_commit(session, lambda: state.workers.remove(data.worker_id))
    if propose:
        for m in repo.open_matches_of_worker(session, data.worker_id):
            transition(session, m, MatchStatus.expired, actor="system", note=f"worker {data.reason}")


def apply_employment(
    session: Session,
    state: MatchingState,
    data: EmploymentChangedData,
    *,
    propose: bool = True,
    defer: bool = False,
) -> None:
    """employment.changed: the worker's status and the household's signals (defer: propose after commit)."""
    household = apply_household(session, state, data.household)
    view = repo.get_worker_view(session, data.worker_id, for_update=True)
    if view is None or view.data is None or view.version >= data.version:
        return
    view.data = {**view.data, "employment_status": data.employment_status.value, "version": data.version}
    view.version = data.version
    if data.cause in ("left_job", "wage_arrears"):
        view.risk_cause, view.risk_since = data.cause, today()
    elif data.employment_status == EmploymentStatus.employed:
        view.risk_cause, view.risk_since = None, None
    view.updated_at = utcnow()
    session.add(view)
    worker = worker_profile(
        WorkerData.model_validate(view.data), state.norm, risk=view.risk_cause is not None
    )
    after_commit(session, lambda: state.workers.upsert(worker, household))
    if not propose:
        return
    if data.employment_status == EmploymentStatus.employed:
        for m in repo.open_matches_of_worker(session, data.worker_id, OPEN_STATUSES):
            if m.job_id != data.job_id:
                transition(session, m, MatchStatus.expired, actor="system", note="worker employed")
    elif data.previous_status == EmploymentStatus.employed and view.active:
        # A job loss reopens matching at once: the worker is a candidate again, with the risk bonus.
        if view.worker_id in state.no_auto or automation_off(view) is not None:
            return
        if defer:
            request(session, WORKER, data.worker_id)
            return
        day = today()
        _, best = propose_for_worker(session, state, worker, household, day)
        offer_training(session, state, worker, household, day, best)
