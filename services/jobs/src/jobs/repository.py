"""All queries of the jobs service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from anju_common.events import JobStatus, Shift, TrainingStatus
from anju_common.pagination import newest_first
from anju_common.principal import Principal
from sqlalchemy import ColumnElement, String, cast, false, or_, true
from sqlmodel import Session, col, select

from jobs.models import Employer, Job, TrainingCourse, TrainingEnrolment


@dataclass(frozen=True)
class JobFilter:
    """Filters of GET /jobs."""

    status: JobStatus | None = None
    employer_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    province_code: str | None = None
    shift: Shift | None = None
    skill: str | None = None
    caregiver_friendly: bool | None = None


def job_scope(principal: Principal) -> ColumnElement[bool]:
    """Which jobs a principal may see: employers their own, office staff their sites' and unsited ones."""
    if principal.role == "employer":
        if principal.employer_id is None:
            return false()
        return col(Job.employer_id) == principal.employer_id
    if principal.role == "office_staff":
        return or_(col(Job.site_id).in_(principal.site_ids), col(Job.site_id).is_(None))
    return true()


def get_employer(session: Session, employer_id: uuid.UUID) -> Employer | None:
    """One employer by id."""
    return session.get(Employer, employer_id)


def list_employers(
    session: Session, principal: Principal, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Employer]:
    """Employers in the caller's scope, newest first."""
    stmt = select(Employer)
    if principal.role == "employer":
        stmt = stmt.where(col(Employer.id) == principal.employer_id)
    elif principal.role == "office_staff":
        stmt = stmt.where(or_(col(Employer.site_id).in_(principal.site_ids), col(Employer.site_id).is_(None)))
    return list(session.exec(newest_first(stmt, Employer, after, limit)))


def get_job(
    session: Session, job_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Job | None:
    """One job in the caller's scope."""
    stmt = select(Job).where(col(Job.id) == job_id, job_scope(principal))
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_jobs(
    session: Session,
    principal: Principal,
    flt: JobFilter,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Job]:
    """Jobs in scope matching the filters, newest first, keyset-paginated."""
    stmt = select(Job).where(job_scope(principal))
    if flt.status:
        stmt = stmt.where(col(Job.status) == flt.status)
    if flt.employer_id:
        stmt = stmt.where(col(Job.employer_id) == flt.employer_id)
    if flt.site_id:
        stmt = stmt.where(col(Job.site_id) == flt.site_id)
    if flt.province_code:
        stmt = stmt.where(col(Job.province_code) == flt.province_code)
    if flt.shift:
        stmt = stmt.where(col(Job.shift) == flt.shift)
    if flt.caregiver_friendly is not None:
        stmt = stmt.where(col(Job.caregiver_friendly) == flt.caregiver_friendly)
    if flt.skill:
        needle = f"%{flt.skill.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(col(Job.title).ilike(needle), cast(col(Job.skills), String).ilike(needle)))
    return list(session.exec(newest_first(stmt, Job, after, limit)))


def jobs_to_expire(session: Session, today: date, limit: int = 500) -> list[Job]:
    """Open jobs whose expiry date has passed."""
    stmt = (
        select(Job)
        .where(
            col(Job.status) == JobStatus.open, col(Job.expires_on).is_not(None), col(Job.expires_on) < today
        )
        .order_by(col(Job.expires_on))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt))


def get_job_unscoped(session: Session, job_id: uuid.UUID, *, for_update: bool = False) -> Job | None:
    """One job, for internal consumers."""
    stmt = select(Job).where(col(Job.id) == job_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def get_training(
    session: Session, training_id: uuid.UUID, *, for_update: bool = False
) -> TrainingCourse | None:
    """One course."""
    stmt = select(TrainingCourse).where(col(TrainingCourse.id) == training_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_trainings(
    session: Session,
    status: TrainingStatus | None,
    site_id: uuid.UUID | None,
    skill: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[TrainingCourse]:
    """Courses matching the filters, newest first."""
    stmt = select(TrainingCourse)
    if status:
        stmt = stmt.where(col(TrainingCourse.status) == status)
    if site_id:
        stmt = stmt.where(col(TrainingCourse.site_id) == site_id)
    if skill:
        needle = f"%{skill.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                col(TrainingCourse.title).ilike(needle),
                cast(col(TrainingCourse.skills_taught), String).ilike(needle),
            )
        )
    return list(session.exec(newest_first(stmt, TrainingCourse, after, limit)))


# ------------------------------------------------------------------ enrolments
def get_enrolment(
    session: Session, training_id: uuid.UUID, worker_id: uuid.UUID, *, for_update: bool = False
) -> TrainingEnrolment | None:
    """A worker's enrolment on a course."""
    stmt = select(TrainingEnrolment).where(
        col(TrainingEnrolment.training_id) == training_id, col(TrainingEnrolment.worker_id) == worker_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def first_waiting(session: Session, training_id: uuid.UUID) -> TrainingEnrolment | None:
    """The worker longest on a course's waiting list, locked."""
    return session.exec(
        select(TrainingEnrolment)
        .where(
            col(TrainingEnrolment.training_id) == training_id, col(TrainingEnrolment.status) == "waitlisted"
        )
        .order_by(col(TrainingEnrolment.created_at), col(TrainingEnrolment.id))
        .limit(1)
        .with_for_update()
    ).first()


def enrolments_of_course(session: Session, training_id: uuid.UUID) -> list[TrainingEnrolment]:
    """A course's enrolments in queue order."""
    return list(
        session.exec(
            select(TrainingEnrolment)
            .where(col(TrainingEnrolment.training_id) == training_id)
            .order_by(col(TrainingEnrolment.created_at), col(TrainingEnrolment.id))
        )
    )
