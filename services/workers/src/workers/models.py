"""Tables of the workers service."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from anju_common.clock import utcnow
from anju_common.db import enum_type
from anju_common.event_tables import define_event_tables
from anju_common.events import EmploymentStatus, LivelihoodType, MonitoringCategory
from anju_common.outbox import Emitter
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from workers.config import get_settings


class WorkersTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, apart from other services' models."""


metadata = WorkersTable.metadata
event_tables = define_event_tables(metadata)


def _ts(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Site(WorkersTable, table=True):
    """A resettlement site (安置点)."""

    __table_args__ = (Index("ix_site_list", "created_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    county: str = Field(max_length=100)
    county_code: str | None = Field(default=None, max_length=6)
    province: str = Field(max_length=100)
    province_code: str | None = Field(default=None, max_length=6, index=True)
    lat: float
    lon: float
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Household(WorkersTable, table=True):
    """A relocated household; employed and labour-capable counts are derived from its workers."""

    __table_args__ = (
        UniqueConstraint("site_id", "household_ref", name="uq_household_site_ref"),
        Index("ix_household_list", "created_at", "id"),
        Index("ix_household_site_zero", "site_id", "zero_employment"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    site_id: uuid.UUID = Field(foreign_key="site.id")
    household_ref: str | None = Field(default=None, max_length=64)
    registered_poor: bool = False
    monitoring_category: MonitoringCategory = Field(
        default=MonitoringCategory.none, sa_type=enum_type(MonitoringCategory)
    )
    labour_capable_declared: int | None = None
    labour_capable_count: int = 0
    employed_count: int = 0
    zero_employment: bool = False
    zero_employment_since: date | None = None
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Worker(WorkersTable, table=True):
    """A relocated worker; phone and ID number only as ciphertext plus keyed lookup hashes."""

    __table_args__ = (
        Index("ix_worker_list", "created_at", "id"),
        Index("ix_worker_site_status", "site_id", "active", "employment_status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="household.id", index=True)
    site_id: uuid.UUID = Field(foreign_key="site.id")
    # Personal fields: nulled on erasure.
    name: str | None = Field(default=None, max_length=100)
    gender: str | None = Field(default=None, max_length=10)
    birth_year: int | None = None
    phone_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    phone_hash: str | None = Field(default=None, max_length=64, index=True)
    id_number_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    id_number_hash: str | None = Field(default=None, max_length=64, unique=True)
    phone_name_hash: str | None = Field(default=None, max_length=64, unique=True)
    # Keyed hashes of the last four digits, for the office's "find by the last digits" search.
    phone_last4_hash: str | None = Field(default=None, max_length=64, index=True)
    id_last4_hash: str | None = Field(default=None, max_length=64, index=True)
    home_county: str | None = Field(default=None, max_length=100)
    home_county_code: str | None = Field(default=None, max_length=6)
    home_province: str | None = Field(default=None, max_length=100)
    home_province_code: str | None = Field(default=None, max_length=6)
    language_notes: str | None = Field(default=None, max_length=500)
    physical_limitations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Profile kept for anonymous statistics.
    education: str | None = Field(default=None, max_length=50)
    skills: list[dict[str, object]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    livelihood_type: LivelihoodType = Field(sa_type=enum_type(LivelihoodType))
    max_commute_km: float
    caregiver: bool = False
    expected_wage_min: int | None = None
    available_from: date | None = None
    unavailable_months: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    employment_status: EmploymentStatus = Field(
        default=EmploymentStatus.unemployed, sa_type=enum_type(EmploymentStatus)
    )
    current_job_id: uuid.UUID | None = None
    sms_consent: bool = False
    share_consent: bool = False
    active: bool = True
    deactivated_reason: str | None = Field(default=None, max_length=20)
    deactivated_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    erased_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class WorkerReferral(WorkersTable, table=True):
    """Read model of referrals from match.status_changed: which employer may see which worker."""

    __tablename__ = "worker_referral"

    worker_id: uuid.UUID = Field(foreign_key="worker.id", primary_key=True)
    employer_id: uuid.UUID = Field(primary_key=True, index=True)
    match_id: uuid.UUID
    job_id: uuid.UUID
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class PiiReveal(WorkersTable, table=True):
    """Audit of one read of a worker's full phone or ID number by a person: who, when, which field, why."""

    __tablename__ = "pii_reveal"
    __table_args__ = (
        Index("ix_pii_reveal_list", "created_at", "id"),
        Index("ix_pii_reveal_worker", "worker_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    worker_id: uuid.UUID = Field(index=False)
    site_id: uuid.UUID = Field(index=True)
    field: str = Field(max_length=20)
    reason: str = Field(max_length=500)
    actor: str = Field(max_length=100, index=True)
    actor_role: str = Field(max_length=20)
    request_id: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


emit = Emitter(event_tables, lambda: get_settings().topic_prefix)


# ------------------------------------------------------------------ organised departures (labour cooperation)
class Departure(WorkersTable, table=True):
    """An organised departure of a site's workers to a labour-cooperation employer."""

    __table_args__ = (
        Index("ix_departure_list", "created_at", "id"),
        Index("ix_departure_site", "site_id", "departs_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    site_id: uuid.UUID = Field(foreign_key="site.id")
    employer_id: uuid.UUID | None = None
    employer_name: str = Field(max_length=200)
    destination: str = Field(max_length=200)
    departs_at: datetime = Field(sa_column=_ts())
    arrives_on: date | None = None
    meeting_point: str = Field(max_length=200)
    seats: int
    escort: str = Field(default="", max_length=200)
    status: str = Field(default="planned", max_length=20)
    cancel_reason: str | None = Field(default=None, max_length=500)
    cancelled_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class DepartureWorker(WorkersTable, table=True):
    """A worker on a departure's roster: joined from an accepted match (or by hand, with a reason)."""

    __tablename__ = "departure_worker"
    __table_args__ = (Index("ix_departure_worker_worker", "worker_id"),)

    departure_id: uuid.UUID = Field(foreign_key="departure.id", primary_key=True)
    worker_id: uuid.UUID = Field(foreign_key="worker.id", primary_key=True)
    status: str = Field(default="joined", max_length=20)
    source: str = Field(default="match", max_length=20)
    match_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=500)
    actor: str = Field(default="", max_length=100)
    joined_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    arrived_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    no_show_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    no_show_note: str | None = Field(default=None, max_length=500)


class AcceptedMatch(WorkersTable, table=True):
    """Read model of matches a worker accepted (interested, referred, hired): who may join a departure."""

    __tablename__ = "accepted_match"
    __table_args__ = (Index("ix_accepted_match_worker", "worker_id", "employer_id"),)

    match_id: uuid.UUID = Field(primary_key=True)
    worker_id: uuid.UUID
    job_id: uuid.UUID
    employer_id: uuid.UUID | None = None
    job_title: str = Field(default="", max_length=200)
    status: str = Field(max_length=20)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


# ------------------------------------------------------------------ service standard ledger
class ServiceContact(WorkersTable, table=True):
    """One service a worker received: a job recommendation, a training notice or a career-guidance contact."""

    __tablename__ = "service_contact"
    __table_args__ = (
        Index("ix_service_contact_site", "site_id", "occurred_at"),
        Index("ix_service_contact_worker", "worker_id", "occurred_at"),
        # An event-derived entry (match, course offer) counts once however often it is delivered.
        UniqueConstraint("kind", "ref_id", name="uq_service_contact_ref"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    worker_id: uuid.UUID
    site_id: uuid.UUID
    kind: str = Field(max_length=20)
    channel: str = Field(max_length=20)
    source: str = Field(max_length=20)
    ref_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=1000)
    actor: str = Field(default="", max_length=100)
    occurred_at: datetime = Field(sa_column=_ts())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
