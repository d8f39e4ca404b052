"""Tables of the jobs service."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from anju_common.alias_copy import define_alias_table
from anju_common.clock import utcnow
from anju_common.db import enum_type
from anju_common.event_tables import define_event_tables
from anju_common.events import EmployerKind, JobStatus, Shift, TrainingStatus
from anju_common.outbox import Emitter
from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from jobs.config import get_settings


class JobsTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, apart from other services' models."""


metadata = JobsTable.metadata
event_tables = define_event_tables(metadata)


def _ts(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Employer(JobsTable, table=True):
    """A workshop, enterprise, labour-cooperation employer or public-welfare post provider."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kind: EmployerKind = Field(sa_type=enum_type(EmployerKind))
    site_id: uuid.UUID | None = Field(default=None, index=True)
    county: str | None = Field(default=None, max_length=100)
    county_code: str | None = Field(default=None, max_length=6)
    province: str | None = Field(default=None, max_length=100)
    province_code: str | None = Field(default=None, max_length=6, index=True)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Job(JobsTable, table=True):
    """A job offer."""

    __table_args__ = (
        Index("ix_job_list", "created_at", "id"),
        Index("ix_job_status_expires", "status", "expires_on"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    employer_id: uuid.UUID = Field(foreign_key="employer.id", index=True)
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=4000)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    headcount: int
    hired_count: int = 0
    wage_min: int
    wage_max: int
    site_id: uuid.UUID | None = Field(default=None, index=True)
    county: str | None = Field(default=None, max_length=100)
    county_code: str | None = Field(default=None, max_length=6)
    province: str = Field(max_length=100)
    province_code: str | None = Field(default=None, max_length=6, index=True)
    lat: float
    lon: float
    location_name: str | None = Field(default=None, max_length=200)
    shift: Shift = Field(sa_type=enum_type(Shift))
    caregiver_friendly: bool = False
    dormitory: bool = False
    cross_province: bool = False
    min_age: int = 16
    max_age: int = 65
    physical_requirements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_on: date | None = None
    expires_on: date | None = None
    status: JobStatus = Field(default=JobStatus.open, index=True, sa_type=enum_type(JobStatus))
    closed_reason: str | None = Field(default=None, max_length=20)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class TrainingCourse(JobsTable, table=True):
    """A training course that teaches skills."""

    __tablename__ = "training_course"
    __table_args__ = (Index("ix_training_course_list", "created_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    provider: str = Field(max_length=200)
    # The employer that posted it with its API key (None: an employment office's course).
    employer_id: uuid.UUID | None = Field(default=None, foreign_key="employer.id", index=True)
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=4000)
    skills_taught: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    site_id: uuid.UUID | None = Field(default=None, index=True)
    county: str | None = Field(default=None, max_length=100)
    county_code: str | None = Field(default=None, max_length=6)
    province: str = Field(max_length=100)
    province_code: str | None = Field(default=None, max_length=6, index=True)
    lat: float
    lon: float
    location_name: str | None = Field(default=None, max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    seats: int
    seats_taken: int = 0
    subsidy_cny: int = 0
    # The certificate a completed course gives (added to the worker's record on completion), if any.
    certificate: str | None = Field(default=None, max_length=100)
    status: TrainingStatus = Field(default=TrainingStatus.open, index=True, sa_type=enum_type(TrainingStatus))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class TrainingEnrolment(JobsTable, table=True):
    """A worker's place on a course: enrolled (a seat taken), waitlisted, completed or withdrawn."""

    __tablename__ = "training_enrolment"
    __table_args__ = (
        UniqueConstraint("training_id", "worker_id", name="uq_training_enrolment_worker"),
        Index("ix_training_enrolment_queue", "training_id", "status", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    training_id: uuid.UUID = Field(foreign_key="training_course.id")
    worker_id: uuid.UUID = Field(index=True)
    site_id: uuid.UUID | None = Field(default=None, index=True)
    household_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    status: str = Field(max_length=20)
    certificate: str | None = Field(default=None, max_length=100)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    completed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


# Read copy of the vocabulary aliases admins add in matching (from its taxonomy.alias_* events).
taxonomy_alias = define_alias_table(metadata)


emit = Emitter(event_tables, lambda: get_settings().topic_prefix)
