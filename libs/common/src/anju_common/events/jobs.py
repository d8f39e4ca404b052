"""Events of the jobs service (topic jobs.events)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from anju_common.events.base import Contract, EmployerKind, Event, JobStatus, Location, Shift, TrainingStatus


class _Jobs(Event):
    SOURCE_SERVICE: ClassVar[str] = "jobs"


class JobData(Contract):
    """Snapshot of a job as matching needs it."""

    job_id: uuid.UUID
    employer_id: uuid.UUID
    employer_name: str
    employer_kind: EmployerKind
    title: str
    description: str = ""
    skills: list[str] = Field(default_factory=list)
    headcount: int
    hired_count: int = 0
    wage_min: int
    wage_max: int
    location: Location
    shift: Shift
    caregiver_friendly: bool = False
    dormitory: bool = False
    cross_province: bool = False
    min_age: int = 16
    max_age: int = 65
    physical_requirements: list[str] = Field(default_factory=list)
    starts_on: date | None = None
    expires_on: date | None = None
    status: JobStatus = JobStatus.open
    version: int = 1


class JobClosedData(Contract):
    """A job stopped taking candidates."""

    job_id: uuid.UUID
    employer_id: uuid.UUID
    reason: Literal["closed", "filled", "expired"]
    version: int


class TrainingData(Contract):
    """Snapshot of a training course."""

    training_id: uuid.UUID
    provider: str
    title: str
    skills_taught: list[str] = Field(default_factory=list)
    location: Location
    starts_on: date | None = None
    ends_on: date | None = None
    seats: int
    seats_left: int
    subsidy_cny: int = 0
    status: TrainingStatus = TrainingStatus.open
    version: int = 1


class TrainingEnrolmentData(Contract):
    """A worker's place on a course: enrolled, waiting for a seat, completed or withdrawn."""

    enrolment_id: uuid.UUID
    training_id: uuid.UUID
    worker_id: uuid.UUID
    site_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    status: Literal["enrolled", "waitlisted", "completed", "withdrawn"]
    title: str
    skills_taught: list[str] = Field(default_factory=list)
    certificate: str | None = None
    seats_left: int
    version: int = 1


class JobPosted(_Jobs):
    """A job was posted."""

    type: Literal["anju.jobs.job.posted"] = "anju.jobs.job.posted"
    data: JobData


class JobUpdated(_Jobs):
    """A posted job changed."""

    type: Literal["anju.jobs.job.updated"] = "anju.jobs.job.updated"
    data: JobData


class JobClosed(_Jobs):
    """A job closed, filled or expired."""

    type: Literal["anju.jobs.job.closed"] = "anju.jobs.job.closed"
    data: JobClosedData


class TrainingPublished(_Jobs):
    """A training course was published or changed."""

    type: Literal["anju.jobs.training.published"] = "anju.jobs.training.published"
    data: TrainingData


class TrainingEnrolmentChanged(_Jobs):
    """A worker's enrolment on a course changed (the office feed shows it; completion adds skills)."""

    type: Literal["anju.jobs.training.enrolment_changed"] = "anju.jobs.training.enrolment_changed"
    data: TrainingEnrolmentData


EVENTS: tuple[type[Event], ...] = (
    JobPosted,
    JobUpdated,
    JobClosed,
    TrainingPublished,
    TrainingEnrolmentChanged,
)
