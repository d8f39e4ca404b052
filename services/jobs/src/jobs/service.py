"""Business rules of the jobs service; callers own the transaction."""

from __future__ import annotations

import uuid
from datetime import date

from anju_common.clock import utcnow
from anju_common.errors import ConflictError, ForbiddenError, InvalidFieldError, NotFoundError, check_version
from anju_common.events import (
    JobClosed,
    JobClosedData,
    JobData,
    JobPosted,
    JobStatus,
    JobUpdated,
    TrainingData,
    TrainingPublished,
    TrainingStatus,
)
from anju_common.places import location_columns, location_of, patched_place, place_columns
from anju_common.principal import Principal
from anju_common.sites import SiteCheck
from anju_common.versioning import bump
from sqlmodel import Session

from jobs import repository as repo
from jobs.models import Employer, Job, TrainingCourse, emit
from jobs.schemas import (
    EmployerCreate,
    EmployerUpdate,
    JobCreate,
    JobUpdate,
    TrainingCreate,
    TrainingUpdate,
)

_CROSS_SITE_EMPLOYER = (
    "跨安置点的用人单位（县级、劳务协作）由管理员登记和修改 / "
    "employers without a site (county-level, labour cooperation) are registered and changed by administrators"
)
_CROSS_SITE_COURSE = (
    "跨安置点的培训课程由管理员发布和修改 / "
    "courses without a site are published and changed by administrators"
)


# ------------------------------------------------------------------ employers
def create_employer(
    session: Session, data: EmployerCreate, principal: Principal, sites: SiteCheck
) -> Employer:
    """Register an employer: office staff at their own sites, administrators anywhere or cross-site."""
    if principal.role == "employer":
        raise ForbiddenError("用人单位不能登记其他用人单位 / employers cannot register other employers")
    if principal.role == "office_staff" and data.site_id is None:
        raise ForbiddenError(_CROSS_SITE_EMPLOYER)
    sites.require(principal, data.site_id, "body.site_id")
    employer = Employer(
        **data.model_dump(exclude={"province", "county"}), **place_columns(data.province, data.county)
    )
    session.add(employer)
    session.flush()
    return employer


def update_employer(
    session: Session,
    employer_id: uuid.UUID,
    patch: EmployerUpdate,
    principal: Principal,
    if_match: int | None,
    sites: SiteCheck,
) -> Employer:
    """Change an employer's details; only its owners may, and only into a site they own."""
    employer = get_employer(session, employer_id, principal)
    if not employer_manageable(employer, principal):
        raise ForbiddenError(_CROSS_SITE_EMPLOYER)
    check_version(employer.version, if_match, patch.version)
    if "site_id" in patch.model_fields_set:
        if principal.role == "employer":
            raise ForbiddenError(
                "用人单位不能更改所属安置点 / an employer cannot move itself to another site"
            )
        if principal.role == "office_staff" and patch.site_id is None:
            raise ForbiddenError(_CROSS_SITE_EMPLOYER)
        sites.require(principal, patch.site_id, "body.site_id")
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "province", "county"})
    if {"province", "county"} & patch.model_fields_set:
        sent = patch.model_fields_set
        current = (employer.province_code, employer.county_code)
        changes.update(patched_place(sent, (patch.province, patch.county), current))
    for key, value in changes.items():
        setattr(employer, key, value)
    bump(session, employer)
    return employer


def get_employer(session: Session, employer_id: uuid.UUID, principal: Principal) -> Employer:
    """An employer in the caller's scope, else 404."""
    employer = repo.get_employer(session, employer_id)
    if employer is None or not _employer_visible(employer, principal):
        raise NotFoundError("employer", employer_id)
    return employer


def _employer_visible(employer: Employer, principal: Principal) -> bool:
    """Office staff read their sites' employers and the cross-site ones (a directory to post jobs for)."""
    if principal.role == "employer":
        return employer.id == principal.employer_id
    if principal.role == "office_staff":
        return employer.site_id is None or principal.can_see_site(employer.site_id)
    return True


def employer_manageable(employer: Employer, principal: Principal) -> bool:
    """Who may change an employer (and issue its keys): its site's staff; cross-site ones only admins."""
    if principal.role == "employer":
        return employer.id == principal.employer_id
    if principal.role == "office_staff":
        return employer.site_id is not None and principal.can_see_site(employer.site_id)
    return True


# ------------------------------------------------------------------ jobs
def job_data(job: Job, employer: Employer) -> JobData:
    """The event payload for a job."""
    return JobData(
        job_id=job.id,
        employer_id=job.employer_id,
        employer_name=employer.name,
        employer_kind=employer.kind,
        title=job.title,
        description=job.description,
        skills=list(job.skills),
        headcount=job.headcount,
        hired_count=job.hired_count,
        wage_min=job.wage_min,
        wage_max=job.wage_max,
        location=location_of(job, site_id=job.site_id, name=job.location_name),
        shift=job.shift,
        caregiver_friendly=job.caregiver_friendly,
        dormitory=job.dormitory,
        cross_province=job.cross_province,
        min_age=job.min_age,
        max_age=job.max_age,
        physical_requirements=list(job.physical_requirements),
        starts_on=job.starts_on,
        expires_on=job.expires_on,
        status=job.status,
        version=job.version,
    )


def _check_job_site(
    principal: Principal, employer: Employer, site_id: uuid.UUID | None, sites: SiteCheck
) -> None:
    """A job is at one of the caller's sites; an employer's job at its own site or at none."""
    if principal.role == "employer":
        if site_id is not None and site_id != employer.site_id:
            raise ForbiddenError(
                "body.location.site_id: 用人单位只能在本单位所在安置点发布岗位 / "
                "an employer posts jobs at its own site or at none"
            )
        return
    if principal.role == "office_staff" and site_id is None:
        raise ForbiddenError(
            "body.location.site_id: 工作人员只在本安置点发布岗位 / office staff post jobs at their own sites"
        )
    sites.require(principal, site_id, "body.location.site_id")


def post_job(
    session: Session, data: JobCreate, principal: Principal, sites: SiteCheck, request_id: str | None
) -> Job:
    """Store a job and emit job.posted in the same transaction."""
    employer_id = data.employer_id
    if principal.role == "employer":
        if employer_id is not None and employer_id != principal.employer_id:
            raise ForbiddenError("用人单位只能为本单位发布岗位 / an employer can post jobs only for itself")
        employer_id = principal.employer_id
    if employer_id is None:
        raise InvalidFieldError("body.employer_id", "必填 / required (only an employer's API key implies it)")
    employer = repo.get_employer(session, employer_id)
    if employer is None or not _employer_visible(employer, principal):
        raise InvalidFieldError("body.employer_id", f"no employer {employer_id}")
    _check_job_site(principal, employer, data.location.site_id, sites)
    job = Job(
        **data.model_dump(exclude={"location", "employer_id"}),
        employer_id=employer_id,
        **location_columns(data.location),
    )
    session.add(job)
    session.flush()
    emit(session, JobPosted.build(job_data(job, employer), subject=job.id, request_id=request_id))
    return job


def get_job(session: Session, job_id: uuid.UUID, principal: Principal, *, for_update: bool = False) -> Job:
    """A job in scope, else 404."""
    job = repo.get_job(session, job_id, principal, for_update=for_update)
    if job is None:
        raise NotFoundError("job", job_id)
    return job


def update_job(
    session: Session,
    job_id: uuid.UUID,
    patch: JobUpdate,
    principal: Principal,
    if_match: int | None,
    sites: SiteCheck,
    request_id: str | None,
) -> Job:
    """Apply a partial update under optimistic concurrency and emit job.updated."""
    job = get_job(session, job_id, principal, for_update=True)
    check_version(job.version, if_match, patch.version)
    if job.status != JobStatus.open:
        raise ConflictError(f"job is {job.status.value}; only open jobs can change")
    employer = repo.get_employer(session, job.employer_id)
    assert employer is not None
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "location"})
    if patch.location is not None:
        if patch.location.site_id != job.site_id:
            _check_job_site(principal, employer, patch.location.site_id, sites)
        changes.update(location_columns(patch.location))
    merged = {**job.model_dump(), **changes}
    if merged["wage_min"] > merged["wage_max"]:
        raise InvalidFieldError("body.wage_min", "wage_min must be less than or equal to wage_max")
    if merged["min_age"] > merged["max_age"]:
        raise InvalidFieldError("body.min_age", "min_age must be less than or equal to max_age")
    if merged["starts_on"] and merged["expires_on"] and merged["expires_on"] < merged["starts_on"]:
        raise InvalidFieldError("body.expires_on", "expires_on must not be before starts_on")
    if merged["headcount"] < job.hired_count:
        raise InvalidFieldError("body.headcount", f"{job.hired_count} people are already hired")
    for key, value in changes.items():
        setattr(job, key, value)
    bump(session, job)
    emit(session, JobUpdated.build(job_data(job, employer), subject=job.id, request_id=request_id))
    return job


def close_job(session: Session, job: Job, reason: str, request_id: str | None) -> Job:
    """Close an open job (closed, filled or expired) and emit job.closed."""
    if job.status != JobStatus.open:
        raise ConflictError(f"job is already {job.status.value}")
    job.status = JobStatus.filled if reason == "filled" else JobStatus.closed
    job.closed_reason = reason
    job.closed_at = utcnow()
    bump(session, job, at=job.closed_at)
    data = JobClosedData(job_id=job.id, employer_id=job.employer_id, reason=reason, version=job.version)  # type: ignore[arg-type]
    emit(session, JobClosed.build(data, subject=job.id, request_id=request_id))
    return job


def expire_jobs(session: Session, today: date) -> int:
    """Close every open job whose expiry date has passed; returns how many."""
    jobs = repo.jobs_to_expire(session, today)
    for job in jobs:
        close_job(session, job, "expired", None)
    return len(jobs)


def record_hire(session: Session, job_id: uuid.UUID) -> Job | None:
    """A hire was confirmed: count it, and fill the job when the last seat is taken."""
    job = repo.get_job_unscoped(session, job_id, for_update=True)
    if job is None:
        return None
    job.hired_count += 1
    if job.status == JobStatus.open and job.hired_count >= job.headcount:
        return close_job(session, job, "filled", None)
    bump(session, job)
    if job.status == JobStatus.open:
        employer = repo.get_employer(session, job.employer_id)
        assert employer is not None
        emit(session, JobUpdated.build(job_data(job, employer), subject=job.id))
    return job


def record_departure(session: Session, job_id: uuid.UUID, today: date) -> Job | None:
    """A hired worker left: the seat is free again. An open job gets it back at once; a job closed as
    filled reopens unless it has expired; a job closed by hand or expired stays closed."""
    job = repo.get_job_unscoped(session, job_id, for_update=True)
    if job is None:
        return None
    job.hired_count = max(job.hired_count - 1, 0)
    expired = job.expires_on is not None and job.expires_on < today
    if job.status == JobStatus.filled and job.closed_reason == "filled" and not expired:
        job.status = JobStatus.open
        job.closed_reason = None
        job.closed_at = None
    bump(session, job)
    if job.status == JobStatus.open:
        employer = repo.get_employer(session, job.employer_id)
        assert employer is not None
        emit(session, JobUpdated.build(job_data(job, employer), subject=job.id))
    return job


# ------------------------------------------------------------------ trainings
def training_data(course: TrainingCourse) -> TrainingData:
    """The event payload for a course."""
    return TrainingData(
        training_id=course.id,
        provider=course.provider,
        title=course.title,
        skills_taught=list(course.skills_taught),
        location=location_of(course, site_id=course.site_id, name=course.location_name),
        starts_on=course.starts_on,
        ends_on=course.ends_on,
        seats=course.seats,
        seats_left=max(course.seats - course.seats_taken, 0),
        subsidy_cny=course.subsidy_cny,
        status=course.status,
        version=course.version,
    )


def _course_in_scope(course: TrainingCourse, principal: Principal) -> bool:
    """Office staff change only courses at their own sites."""
    return (
        principal.role != "office_staff" or course.site_id is None or principal.can_see_site(course.site_id)
    )


def _check_course_owner(course: TrainingCourse, principal: Principal) -> None:
    """404 for another site's course, 403 for a cross-site one an administrator published, 403 for an
    employer's change to a course it did not post."""
    if principal.role == "employer":
        if course.employer_id is None or course.employer_id != principal.employer_id:
            raise ForbiddenError("an employer changes only the training courses it posted")
        return
    if not _course_in_scope(course, principal):
        raise NotFoundError("training", course.id)
    if principal.role == "office_staff" and course.site_id is None:
        raise ForbiddenError(_CROSS_SITE_COURSE)


def _check_course_site(
    session: Session, principal: Principal, site_id: uuid.UUID | None, sites: SiteCheck
) -> None:
    if principal.role == "employer":
        employer = repo.get_employer(session, principal.employer_id) if principal.employer_id else None
        if employer is None:
            raise ForbiddenError("the API key names no employer")
        if site_id is not None and site_id != employer.site_id:
            raise ForbiddenError(
                "body.location.site_id: 用人单位只能在本单位所在安置点发布培训课程 / "
                "an employer posts courses at its own site or at none"
            )
        return
    if principal.role == "office_staff" and site_id is None:
        raise ForbiddenError(_CROSS_SITE_COURSE)
    sites.require(principal, site_id, "body.location.site_id")


def publish_training(
    session: Session, data: TrainingCreate, principal: Principal, sites: SiteCheck, request_id: str | None
) -> TrainingCourse:
    """Store a course and emit training.published: office staff at their sites, administrators anywhere,
    employers (workshops and enterprises training their own recruits) at their own site or at none."""
    _check_course_site(session, principal, data.location.site_id, sites)
    course = TrainingCourse(
        **data.model_dump(exclude={"location"}),
        **location_columns(data.location),
        employer_id=principal.employer_id if principal.role == "employer" else None,
    )
    session.add(course)
    session.flush()
    emit(session, TrainingPublished.build(training_data(course), subject=course.id, request_id=request_id))
    return course


def get_training(session: Session, training_id: uuid.UUID, *, for_update: bool = False) -> TrainingCourse:
    """A course, else 404."""
    course = repo.get_training(session, training_id, for_update=for_update)
    if course is None:
        raise NotFoundError("training", training_id)
    return course


def update_training(
    session: Session,
    training_id: uuid.UUID,
    patch: TrainingUpdate,
    principal: Principal,
    if_match: int | None,
    sites: SiteCheck,
    request_id: str | None,
) -> TrainingCourse:
    """Change a course and emit training.published with the new state."""
    course = get_training(session, training_id, for_update=True)
    _check_course_owner(course, principal)
    check_version(course.version, if_match, patch.version)
    if course.status == TrainingStatus.closed:
        raise ConflictError("training is closed")
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "location"})
    if patch.location is not None:
        if patch.location.site_id != course.site_id:
            _check_course_site(session, principal, patch.location.site_id, sites)
        changes.update(location_columns(patch.location))
    merged = {**course.model_dump(), **changes}
    if merged["starts_on"] and merged["ends_on"] and merged["ends_on"] < merged["starts_on"]:
        raise InvalidFieldError("body.ends_on", "ends_on must not be before starts_on")
    if merged["seats_taken"] > merged["seats"]:
        raise InvalidFieldError("body.seats_taken", "more seats taken than the course has")
    for key, value in changes.items():
        setattr(course, key, value)
    course.status = TrainingStatus.full if course.seats_taken >= course.seats else TrainingStatus.open
    bump(session, course)
    emit(session, TrainingPublished.build(training_data(course), subject=course.id, request_id=request_id))
    return course


def close_training(
    session: Session, training_id: uuid.UUID, principal: Principal, request_id: str | None
) -> TrainingCourse:
    """Close a course to new candidates."""
    course = get_training(session, training_id, for_update=True)
    _check_course_owner(course, principal)
    if course.status == TrainingStatus.closed:
        raise ConflictError("training is already closed")
    course.status = TrainingStatus.closed
    bump(session, course)
    emit(session, TrainingPublished.build(training_data(course), subject=course.id, request_id=request_id))
    return course
