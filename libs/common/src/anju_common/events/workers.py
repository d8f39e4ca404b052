"""Events of the workers service (topic workers.events)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
    automated_matching_refused: bool = False
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


PlacementEndReason = Literal["left", "dismissed", "contract_ended", "other"]
FollowUpOutcome = Literal["on_job", "left", "wage_arrears", "no_reply"]


class PlacementData(Contract):
    """A worker's job after the hire: who, where, since when, on what terms; how it ended."""

    placement_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    job_id: uuid.UUID | None = None
    match_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    employer_name: str = ""
    job_title: str = ""
    started_on: date
    wage_cny: int | None = None
    contract_type: str | None = None
    social_insurance: bool | None = None
    place: str = ""
    departure_id: uuid.UUID | None = None
    status: Literal["active", "ended"] = "active"
    ended_on: date | None = None
    end_reason: PlacementEndReason | None = None
    version: int = 1


class FollowUpData(Contract):
    """A follow-up of a placement: due on a date, answered by SMS or recorded by staff."""

    follow_up_id: uuid.UUID
    placement_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    due_on: date
    month_offset: int
    employer_name: str = ""
    job_title: str = ""
    status: Literal["scheduled", "due", "overdue", "done", "cancelled"] = "scheduled"
    outcome: FollowUpOutcome | None = None
    channel: Literal["sms", "phone", "visit"] | None = None


class DepartureData(Contract):
    """An organised departure (labour cooperation): where, when, who goes, who escorts."""

    departure_id: uuid.UUID
    site_id: uuid.UUID
    employer_id: uuid.UUID | None = None
    employer_name: str
    destination: str
    departs_at: datetime
    arrives_on: date | None = None
    meeting_point: str
    seats: int
    escort: str = ""
    worker_ids: list[uuid.UUID] = Field(default_factory=list)
    status: Literal["planned", "departed", "cancelled", "completed"] = "planned"
    version: int = 1


class SiteAlertRaisedData(Contract):
    """Something at a site needs the office now (employment fell, a household fell back to zero)."""

    site_id: uuid.UUID
    kind: Literal["employment_drop", "household_fell_back_to_zero", "wage_arrears"]
    household_id: uuid.UUID | None = None
    worker_id: uuid.UUID | None = None
    month: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}$")
    previous_employed: int | None = None
    employed: int | None = None
    zh: str
    en: str


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


class PlacementStarted(_Workers):
    """A hire became a placement."""

    type: Literal["anju.workers.placement.started"] = "anju.workers.placement.started"
    data: PlacementData


class PlacementEnded(_Workers):
    """A worker's placement ended (left, dismissed, contract ended)."""

    type: Literal["anju.workers.placement.ended"] = "anju.workers.placement.ended"
    data: PlacementData


class FollowUpFellDue(_Workers):
    """A follow-up reached its date: the worker gets a check-in SMS."""

    type: Literal["anju.workers.follow_up.fell_due"] = "anju.workers.follow_up.fell_due"
    data: FollowUpData


class FollowUpWentOverdue(_Workers):
    """A follow-up had no answer in time: the office must call or visit."""

    type: Literal["anju.workers.follow_up.went_overdue"] = "anju.workers.follow_up.went_overdue"
    data: FollowUpData


class FollowUpRecorded(_Workers):
    """A follow-up was answered (by SMS) or recorded by staff, with its outcome."""

    type: Literal["anju.workers.follow_up.recorded"] = "anju.workers.follow_up.recorded"
    data: FollowUpData


class DepartureScheduled(_Workers):
    """A departure was planned or changed (its whole state, roster included)."""

    type: Literal["anju.workers.departure.scheduled"] = "anju.workers.departure.scheduled"
    data: DepartureData


class DepartureCancelled(_Workers):
    """A departure was called off."""

    type: Literal["anju.workers.departure.cancelled"] = "anju.workers.departure.cancelled"
    data: DepartureData


class SiteAlertRaised(_Workers):
    """A site's office must act (employment drop, household back to zero employment, wage arrears)."""

    type: Literal["anju.workers.site.alert_raised"] = "anju.workers.site.alert_raised"
    data: SiteAlertRaisedData


EVENTS: tuple[type[Event], ...] = (
    WorkerRegistered,
    WorkerUpdated,
    WorkerDeactivated,
    HouseholdUpdated,
    EmploymentChanged,
    PlacementStarted,
    PlacementEnded,
    FollowUpFellDue,
    FollowUpWentOverdue,
    FollowUpRecorded,
    DepartureScheduled,
    DepartureCancelled,
    SiteAlertRaised,
)
