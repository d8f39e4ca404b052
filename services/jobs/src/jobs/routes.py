"""HTTP routes of the jobs service: thin, they parse, call the service and shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common import places
from anju_common.deps import PrincipalDep, RequestIdDep, SessionDep, SitesDep
from anju_common.errors import InvalidFieldError, etag, parse_if_match
from anju_common.events import JobStatus, Shift, TrainingStatus
from anju_common.pagination import MAX_LIMIT, Page, keyset_after, next_keyset_cursor
from anju_common.places import PlaceError, location_of
from fastapi import APIRouter, Header, Query, Response, status

from jobs import enrolments, service
from jobs import repository as repo
from jobs.models import Employer, Job, TrainingCourse, TrainingEnrolment
from jobs.schemas import (
    EmployerCreate,
    EmployerPublic,
    EmployerUpdate,
    EnrolmentComplete,
    EnrolmentPublic,
    JobClose,
    JobCreate,
    JobPublic,
    JobUpdate,
    TrainingCreate,
    TrainingPublic,
    TrainingUpdate,
)
from jobs.skills_read import job_skills_read

router = APIRouter(prefix="/api/v1")
IfMatch = Annotated[str | None, Header(description='ETag from a previous response, e.g. W/"3"')]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]


def employer_public(e: Employer) -> EmployerPublic:
    """Response shape of an employer (contact phone is not echoed)."""
    return EmployerPublic.model_validate(e, from_attributes=True)


def job_public(job: Job) -> JobPublic:
    """Response shape of a job."""
    loc = location_of(job, site_id=job.site_id, name=job.location_name)
    return JobPublic.model_validate(
        {**job.model_dump(), "location": loc.model_dump(), "skills_read": job_skills_read(job)}
    )


def training_public(c: TrainingCourse) -> TrainingPublic:
    """Response shape of a course."""
    loc = location_of(c, site_id=c.site_id, name=c.location_name)
    return TrainingPublic.model_validate({**c.model_dump(), "location": loc.model_dump()})


def _province_filter(text: str | None) -> str | None:
    """The province code a list filter names, else a 422 naming the parameter."""
    if text is None:
        return None
    try:
        return places.province(text).code
    except PlaceError as err:
        raise InvalidFieldError("query.province", err.message) from None


# ------------------------------------------------------------------ employers
@router.post(
    "/employers", status_code=status.HTTP_201_CREATED, response_model=EmployerPublic, tags=["employers"]
)
def create_employer(
    body: EmployerCreate, session: SessionDep, principal: PrincipalDep, sites: SitesDep, response: Response
) -> EmployerPublic:
    """Register an employer: office staff at their sites; cross-site ones (no site_id) only administrators."""
    employer = service.create_employer(session, body, principal, sites)
    response.headers["ETag"] = etag(employer.version)
    return employer_public(employer)


@router.get("/employers", response_model=Page[EmployerPublic], tags=["employers"])
def list_employers(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[EmployerPublic]:
    """Employers in the caller's scope."""
    rows = repo.list_employers(session, principal, keyset_after(cursor), limit)
    return Page(items=[employer_public(e) for e in rows], next_cursor=next_keyset_cursor(rows, limit))


@router.get("/employers/{employer_id}", response_model=EmployerPublic, tags=["employers"])
def get_employer(
    employer_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> EmployerPublic:
    """One employer."""
    employer = service.get_employer(session, employer_id, principal)
    response.headers["ETag"] = etag(employer.version)
    return employer_public(employer)


@router.patch("/employers/{employer_id}", response_model=EmployerPublic, tags=["employers"])
def update_employer(
    employer_id: uuid.UUID,
    body: EmployerUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    sites: SitesDep,
    response: Response,
    if_match: IfMatch = None,
) -> EmployerPublic:
    """Change an employer's details (If-Match or version required); only its site's staff or an admin."""
    employer = service.update_employer(session, employer_id, body, principal, parse_if_match(if_match), sites)
    response.headers["ETag"] = etag(employer.version)
    return employer_public(employer)


# ------------------------------------------------------------------ jobs
@router.post("/jobs", status_code=status.HTTP_201_CREATED, response_model=JobPublic, tags=["jobs"])
def post_job(
    body: JobCreate,
    session: SessionDep,
    principal: PrincipalDep,
    sites: SitesDep,
    request_id: RequestIdDep,
    response: Response,
) -> JobPublic:
    """Post a job; job.posted is published through the outbox. With an API key employer_id defaults to
    the key's employer."""
    job = service.post_job(session, body, principal, sites, request_id)
    response.headers["ETag"] = etag(job.version)
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return job_public(job)


@router.get("/jobs", response_model=Page[JobPublic], tags=["jobs"])
def list_jobs(
    session: SessionDep,
    principal: PrincipalDep,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    employer_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    province: Annotated[
        str | None, Query(max_length=100, description="name, English, pinyin or GB/T 2260 code")
    ] = None,
    shift: Shift | None = None,
    skill: Annotated[str | None, Query(max_length=50, description="text in the title or a skill")] = None,
    caregiver_friendly: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[JobPublic]:
    """Jobs in the caller's scope, newest first."""
    flt = repo.JobFilter(
        status=status_,
        employer_id=employer_id,
        site_id=site_id,
        province_code=_province_filter(province),
        shift=shift,
        skill=skill,
        caregiver_friendly=caregiver_friendly,
    )
    rows = repo.list_jobs(session, principal, flt, keyset_after(cursor), limit)
    return Page(items=[job_public(j) for j in rows], next_cursor=next_keyset_cursor(rows, limit))


@router.get("/jobs/{job_id}", response_model=JobPublic, tags=["jobs"])
def get_job(job_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response) -> JobPublic:
    """One job."""
    job = service.get_job(session, job_id, principal)
    response.headers["ETag"] = etag(job.version)
    return job_public(job)


@router.patch("/jobs/{job_id}", response_model=JobPublic, tags=["jobs"])
def update_job(
    job_id: uuid.UUID,
    body: JobUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    sites: SitesDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> JobPublic:
    """Change an open job (If-Match or version required; stale gets 412/409)."""
    job = service.update_job(session, job_id, body, principal, parse_if_match(if_match), sites, request_id)
    response.headers["ETag"] = etag(job.version)
    return job_public(job)


@router.post("/jobs/{job_id}/close", response_model=JobPublic, tags=["jobs"])
def close_job(
    job_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
    body: JobClose | None = None,
) -> JobPublic:
    """Close an open job; job.closed is published and matching expires open proposals."""
    job = service.get_job(session, job_id, principal, for_update=True)
    job = service.close_job(session, job, (body or JobClose()).reason, request_id)
    response.headers["ETag"] = etag(job.version)
    return job_public(job)


# ------------------------------------------------------------------ trainings
@router.post(
    "/trainings", status_code=status.HTTP_201_CREATED, response_model=TrainingPublic, tags=["trainings"]
)
def publish_training(
    body: TrainingCreate,
    session: SessionDep,
    principal: PrincipalDep,
    sites: SitesDep,
    request_id: RequestIdDep,
    response: Response,
) -> TrainingPublic:
    """Publish a training course: office staff at their sites, employers (API key) at their own site or at
    none, cross-site courses of the offices only administrators."""
    course = service.publish_training(session, body, principal, sites, request_id)
    response.headers["ETag"] = etag(course.version)
    return training_public(course)


@router.get("/trainings", response_model=Page[TrainingPublic], tags=["trainings"])
def list_trainings(
    session: SessionDep,
    status_: Annotated[TrainingStatus | None, Query(alias="status")] = None,
    site_id: uuid.UUID | None = None,
    skill: Annotated[str | None, Query(max_length=50)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TrainingPublic]:
    """Training courses, newest first."""
    rows = repo.list_trainings(session, status_, site_id, skill, keyset_after(cursor), limit)
    return Page(items=[training_public(c) for c in rows], next_cursor=next_keyset_cursor(rows, limit))


@router.get("/trainings/{training_id}", response_model=TrainingPublic, tags=["trainings"])
def get_training(training_id: uuid.UUID, session: SessionDep, response: Response) -> TrainingPublic:
    """One course."""
    course = service.get_training(session, training_id)
    response.headers["ETag"] = etag(course.version)
    return training_public(course)


@router.patch("/trainings/{training_id}", response_model=TrainingPublic, tags=["trainings"])
def update_training(
    training_id: uuid.UUID,
    body: TrainingUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    sites: SitesDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> TrainingPublic:
    """Change a course (If-Match or version required)."""
    course = service.update_training(
        session, training_id, body, principal, parse_if_match(if_match), sites, request_id
    )
    response.headers["ETag"] = etag(course.version)
    return training_public(course)


@router.post("/trainings/{training_id}/close", response_model=TrainingPublic, tags=["trainings"])
def close_training(
    training_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> TrainingPublic:
    """Close a course."""
    course = service.close_training(session, training_id, principal, request_id)
    response.headers["ETag"] = etag(course.version)
    return training_public(course)


def enrolment_public(e: TrainingEnrolment) -> EnrolmentPublic:
    """Response shape of an enrolment."""
    return EnrolmentPublic.model_validate(e, from_attributes=True)


@router.get("/trainings/{training_id}/enrolments", response_model=list[EnrolmentPublic], tags=["trainings"])
def list_enrolments(
    training_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> list[EnrolmentPublic]:
    """A course's enrolled, waiting, completed and withdrawn workers in queue order (office staff: their
    sites' workers; an employer: the courses it posted)."""
    return [enrolment_public(e) for e in enrolments.enrolments_of(session, training_id, principal)]


@router.post(
    "/trainings/{training_id}/enrolments/{worker_id}/complete",
    response_model=EnrolmentPublic,
    tags=["trainings"],
)
def complete_enrolment(
    training_id: uuid.UUID,
    worker_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    body: EnrolmentComplete | None = None,
) -> EnrolmentPublic:
    """Record that an enrolled worker completed the course (with the certificate obtained, default the
    course's): training.enrolment_changed(completed) makes workers add the skills taught and the certificate,
    and matching re-matches the worker."""
    certificate = (body or EnrolmentComplete()).certificate
    e = enrolments.complete(session, training_id, worker_id, certificate, principal)
    response.headers["ETag"] = etag(e.version)
    return enrolment_public(e)


@router.post(
    "/trainings/{training_id}/enrolments/{worker_id}/withdraw",
    response_model=EnrolmentPublic,
    tags=["trainings"],
)
def withdraw_enrolment(
    training_id: uuid.UUID,
    worker_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> EnrolmentPublic:
    """The worker leaves the course or its waiting list; a freed seat goes to the first worker waiting."""
    e = enrolments.withdraw(session, training_id, worker_id, principal)
    response.headers["ETag"] = etag(e.version)
    return enrolment_public(e)
