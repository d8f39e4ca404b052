"""Events of the workers service (topic workers.events)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from anju_common.events.base import (
    Contract,
    EmploymentStatus,
    Event,
    LivelihoodType,
    Location,
    MonitoringCategory,
)


class _Workers(Event):
    SOURCE_SERVICE: ClassVar[str] = "workers"


class SkillData(Contract):
    """A skill as the office recorded it."""

    name: str
    level: int = Field(default=1, ge=1, le=5)
    certified: bool = False


class HouseholdData(Contract):
    """A household's priority signals, never personal data."""

    household_id: uuid.UUID
    site_id: uuid.UUID
    registered_poor: bool = False
    monitoring_category: MonitoringCategory = MonitoringCategory.none
    labour_capable_count: int = 0
    employed_count: int = 0
    zero_employment: bool = False
    zero_employment_since: date | None = None
    version: int = 1


class WorkerData(Contract):
    """Snapshot of a worker's matching profile: no name, phone, ID number or gender."""

    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    location: Location
    home_county: str | None = None
    home_county_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    home_province: str | None = None
    home_province_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    birth_year: int
    education: str | None = None
    skills: list[SkillData] = Field(default_factory=list)
    livelihood_type: LivelihoodType
    max_commute_km: float
    caregiver: bool = False
    physical_limitations: list[str] = Field(default_factory=list)
    expected_wage_min: int | None = None
    available_from: date | None = None
    unavailable_months: list[int] = Field(default_factory=list)
    employment_status: EmploymentStatus = EmploymentStatus.unemployed
    sms_consent: bool = False
    share_consent: bool = False
    active: bool = True
    household: HouseholdData
    version: int = 1


class WorkerDeactivatedData(Contract):
    """A worker left the programme (moved away) or was erased on request."""

    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    reason: Literal["moved_away", "erased", "other"]
    version: int


class EmploymentChangedData(Contract):
    """A worker's employment status changed, with the household's consequence."""

    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    previous_status: EmploymentStatus
    employment_status: EmploymentStatus
    job_id: uuid.UUID | None = None
    match_id: uuid.UUID | None = None
    cause: Literal["hired", "left_job", "wage_arrears", "manual", "seasonal"] = "manual"
    household: HouseholdData
    version: int


class WorkerRegistered(_Workers):
    """A worker was registered."""

    type: Literal["anju.workers.worker.registered"] = "anju.workers.worker.registered"
    data: WorkerData


class WorkerUpdated(_Workers):
    """A worker's profile changed."""

    type: Literal["anju.workers.worker.updated"] = "anju.workers.worker.updated"
    data: WorkerData


class WorkerDeactivated(_Workers):
    """A worker left or was erased."""

    type: Literal["anju.workers.worker.deactivated"] = "anju.workers.worker.deactivated"
    data: WorkerDeactivatedData


class HouseholdUpdated(_Workers):
    """A household's priority signals changed."""

    type: Literal["anju.workers.household.updated"] = "anju.workers.household.updated"
    data: HouseholdData


class EmploymentChanged(_Workers):
    """A worker's employment status changed."""

    type: Literal["anju.workers.employment.changed"] = "anju.workers.employment.changed"
    data: EmploymentChangedData


EVENTS: tuple[type[Event], ...] = (
    WorkerRegistered,
    WorkerUpdated,
    WorkerDeactivated,
    HouseholdUpdated,
    EmploymentChanged,
)
