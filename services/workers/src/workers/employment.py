"""Employment of workers: status changes by staff and from matching's hires and departures; referrals."""

from __future__ import annotations

import uuid

from anju_common.events import EmploymentChanged, EmploymentChangedData, EmploymentStatus
from anju_common.versioning import bump
from sqlmodel import Session

from workers import alerts
from workers import repository as repo
from workers.config import today
from workers.households import refresh_households
from workers.models import Worker, WorkerReferral, emit
from workers.schemas import EmploymentCause
from workers.views import household_data


def change_employment(
    session: Session,
    worker: Worker,
    status: EmploymentStatus,
    cause: EmploymentCause,
    *,
    job_id: uuid.UUID | None = None,
    match_id: uuid.UUID | None = None,
    request_id: str | None = None,
) -> bool:
    """Set a worker's employment status, recount the household and emit employment.changed (and an alert
    when the household falls back to zero employment).

    Wage arrears are a risk signal even when the status stays the same, so they are always published.
    """
    unchanged = status == worker.employment_status and job_id == worker.current_job_id
    if unchanged and cause != "wage_arrears":
        return False
    previous = worker.employment_status
    before = repo.get_household(session, worker.household_id)
    was_zero = before.zero_employment if before is not None else True
    worker.employment_status = status
    worker.current_job_id = job_id if status in repo.EMPLOYED_STATUSES else None
    bump(session, worker)
    refresh_households(session, [worker.household_id], request_id)
    household = repo.get_household(session, worker.household_id)
    assert household is not None
    if household.zero_employment and not was_zero:
        alerts.household_fell_back(session, household, worker.id, today(), request_id)
    data = EmploymentChangedData(
        worker_id=worker.id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        previous_status=previous,
        employment_status=status,
        job_id=job_id,
        match_id=match_id,
        cause=cause,
        household=household_data(household),
        version=worker.version,
    )
    emit(session, EmploymentChanged.build(data, subject=worker.id, request_id=request_id))
    return True


def on_hired(session: Session, worker_id: uuid.UUID, job_id: uuid.UUID, match_id: uuid.UUID) -> None:
    """A confirmed hire makes the worker employed."""
    worker = repo.get_worker(session, worker_id, for_update=True)
    if worker is None or not worker.active:
        return
    change_employment(session, worker, EmploymentStatus.employed, "hired", job_id=job_id, match_id=match_id)


def on_left(session: Session, worker_id: uuid.UUID, job_id: uuid.UUID, match_id: uuid.UUID) -> None:
    """Leaving the job the worker holds makes them unemployed (a later hire elsewhere is kept)."""
    worker = repo.get_worker(session, worker_id, for_update=True)
    if worker is None or not worker.active:
        return
    if worker.current_job_id not in (None, job_id) or worker.employment_status not in repo.EMPLOYED_STATUSES:
        return
    change_employment(
        session, worker, EmploymentStatus.unemployed, "left_job", job_id=job_id, match_id=match_id
    )


def on_referred(
    session: Session, worker_id: uuid.UUID, employer_id: uuid.UUID, job_id: uuid.UUID, match_id: uuid.UUID
) -> None:
    """Remember the referral so the employer may see the worker (while share_consent holds)."""
    worker = repo.get_worker(session, worker_id)
    if (
        worker is None
        or worker.erased_at is not None
        or repo.referral_exists(session, worker_id, employer_id)
    ):
        return
    repo.add_referral(
        session,
        WorkerReferral(worker_id=worker_id, employer_id=employer_id, match_id=match_id, job_id=job_id),
    )
