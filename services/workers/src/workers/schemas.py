"""Request and response shapes of the workers API (XBase / XCreate / XUpdate / XPublic)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from anju_common.events import EmployerKind, EmploymentStatus, Gender, LivelihoodType, MonitoringCategory
from anju_common.places import CountyText, ProvinceCode, county_within
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from workers.config import get_settings
from workers.identity import check_birth_year, id_birth_year, normalize_id_number, normalize_phone

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
HouseholdRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Lat = Annotated[float, Field(ge=-90, le=90, description="latitude, WGS84 degrees")]
Lon = Annotated[float, Field(ge=-180, le=180, description="longitude, WGS84 degrees")]
Wage = Annotated[int, Field(ge=0, le=1_000_000, description="CNY per month")]
CommuteKm = Annotated[float, Field(gt=0, le=5000, description="farthest acceptable workplace, km")]
Month = Annotated[int, Field(ge=1, le=12)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=32),
    AfterValidator(lambda v: normalize_phone(v, get_settings().phone_region)),
    Field(description="mobile number; normalised to E.164 (+8613812345678), never echoed unmasked"),
]
IdNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    AfterValidator(normalize_id_number),
    Field(description="18-character resident ID; checksum validated, stored encrypted"),
]
DeactivationReason = Literal["moved_away", "other"]
EmploymentCause = Literal["hired", "left_job", "wage_arrears", "manual", "seasonal"]


class Strict(BaseModel):
    """Inputs reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


def _unique_months(months: list[int] | None) -> list[int] | None:
    return sorted(set(months)) if months is not None else None


# ------------------------------------------------------------------ sites
class SiteBase(Strict):
    """Fields a resettlement site is created with."""

    name: LongName
    province: ProvinceCode
    county: CountyText
    lat: Lat
    lon: Lon
    check_county = field_validator("county")(county_within("province"))


class SiteCreate(SiteBase):
    """POST /sites body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "王家社区安置点",
                    "county": "惠水县",
                    "province": "贵州省",
                    "lat": 26.13,
                    "lon": 106.66,
                }
            ]
        },
    )


class SiteUpdate(Strict):
    """PATCH /sites/{id} body."""

    name: LongName | None = None
    province: ProvinceCode | None = None
    county: CountyText | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    version: int | None = Field(default=None, ge=1)
    check_county = field_validator("county")(county_within("province"))


class SitePublic(BaseModel):
    """A site as the API returns it."""

    id: uuid.UUID
    name: str
    county: str
    county_code: str | None = Field(description="GB/T 2260 code (absent only for rows older than the codes)")
    province: str
    province_code: str | None = Field(
        description="GB/T 2260 code (absent only for rows older than the codes)"
    )
    lat: float
    lon: float
    version: int
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------ households
class HouseholdBase(Strict):
    """Fields an office records about a household."""

    household_ref: HouseholdRef | None = Field(
        default=None, description="the office's household number (户编号)"
    )
    registered_poor: bool = False
    monitoring_category: MonitoringCategory = MonitoringCategory.none
    labour_capable_count: int | None = Field(
        default=None, ge=0, le=30, description="declared labour-capable members; at least the active workers"
    )


class HouseholdCreate(HouseholdBase):
    """POST /households body."""

    site_id: uuid.UUID


class HouseholdUpdate(Strict):
    """PATCH /households/{id} body."""

    household_ref: HouseholdRef | None = None
    registered_poor: bool | None = None
    monitoring_category: MonitoringCategory | None = None
    labour_capable_count: int | None = Field(default=None, ge=0, le=30)
    version: int | None = Field(default=None, ge=1)


class HouseholdPublic(BaseModel):
    """A household as the API returns it."""

    id: uuid.UUID
    site_id: uuid.UUID
    household_ref: str | None
    registered_poor: bool
    monitoring_category: MonitoringCategory
    labour_capable_count: int
    employed_count: int
    zero_employment: bool
    zero_employment_since: date | None
    version: int
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------ workers
class SkillIn(Strict):
    """A skill as the office records it."""

    name: ShortText
    level: int = Field(default=1, ge=1, le=5)
    certified: bool = False


class WorkerBase(Strict):
    """Profile fields shared by create and import."""

    name: Name
    gender: Gender | None = Field(default=None, description="recorded only; never used for matching")
    id_number: IdNumber | None = None
    birth_year: int | None = Field(
        default=None, validate_default=True, description="required unless id_number gives it"
    )
    phone: Phone
    education: ShortText | None = None
    home_province: ProvinceCode | None = None
    home_county: CountyText | None = None
    check_home_county = field_validator("home_county")(county_within("home_province"))
    skills: list[SkillIn] = Field(default_factory=list, max_length=30)
    livelihood_type: LivelihoodType
    max_commute_km: CommuteKm | None = Field(default=None, description="defaults by livelihood type")
    caregiver: bool = False
    physical_limitations: list[ShortText] = Field(default_factory=list, max_length=20)
    expected_wage_min: Wage | None = None
    available_from: date | None = None
    unavailable_months: Annotated[list[Month], AfterValidator(_unique_months)] = Field(
        default_factory=list, max_length=12
    )
    employment_status: EmploymentStatus = EmploymentStatus.unemployed
    sms_consent: bool = False
    share_consent: bool = False
    language_notes: Notes | None = None

    @field_validator("birth_year")
    @classmethod
    def _birth_year(cls, value: int | None, info: ValidationInfo) -> int | None:
        if "id_number" not in info.data:
            return value  # the ID number itself is invalid; that error is enough
        id_number = info.data["id_number"]
        if value is None:
            if id_number:
                return id_birth_year(id_number)
            raise ValueError("required when id_number is not given")
        check_birth_year(value)
        if id_number and id_birth_year(id_number) != value:
            raise ValueError("does not match the birth date in id_number")
        return value


class WorkerCreate(WorkerBase):
    """POST /workers body."""

    household_id: uuid.UUID

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "household_id": "8d3c1f6e-2b7a-4c1e-9f0a-5a6b7c8d9e01",
                    "name": "王秀英",
                    "gender": "female",
                    "birth_year": 1985,
                    "phone": "13812345678",
                    "skills": [{"name": "缝纫工", "level": 3, "certified": True}],
                    "livelihood_type": "local",
                    "caregiver": True,
                    "sms_consent": True,
                    "share_consent": True,
                }
            ]
        },
    )


class WorkerUpdate(Strict):
    """PATCH /workers/{id} body: only the fields to change; If-Match or version required."""

    household_id: uuid.UUID | None = None
    name: Name | None = None
    gender: Gender | None = None
    id_number: IdNumber | None = None
    birth_year: int | None = None
    phone: Phone | None = None
    education: ShortText | None = None
    home_province: ProvinceCode | None = None
    home_county: CountyText | None = None
    check_home_county = field_validator("home_county")(county_within("home_province"))
    skills: list[SkillIn] | None = Field(default=None, max_length=30)
    livelihood_type: LivelihoodType | None = None
    max_commute_km: CommuteKm | None = None
    caregiver: bool | None = None
    physical_limitations: list[ShortText] | None = Field(default=None, max_length=20)
    expected_wage_min: Wage | None = None
    available_from: date | None = None
    unavailable_months: Annotated[list[Month] | None, AfterValidator(_unique_months)] = Field(
        default=None, max_length=12
    )
    sms_consent: bool | None = None
    share_consent: bool | None = None
    automated_matching_refused: bool | None = Field(
        default=None, description="the worker refuses automated matching (PIPL art. 24); the time is recorded"
    )
    language_notes: Notes | None = None
    version: int | None = Field(default=None, ge=1, description="the version you read; stale gets 409")

    @field_validator("birth_year")
    @classmethod
    def _birth_year(cls, value: int | None) -> int | None:
        return None if value is None else check_birth_year(value)


class SkillOut(BaseModel):
    """A skill in responses."""

    name: str
    level: int
    certified: bool


class WorkerPublic(BaseModel):
    """A worker as office staff see it: phone and ID number masked."""

    id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    name: str | None
    gender: Gender | None
    birth_year: int | None
    phone_masked: str | None = Field(description="138****5678")
    id_number_masked: str | None = Field(description="110105********1234")
    education: str | None
    home_county: str | None
    home_county_code: str | None = Field(description="GB/T 2260 code")
    home_province: str | None
    home_province_code: str | None = Field(description="GB/T 2260 code")
    skills: list[SkillOut]
    livelihood_type: LivelihoodType
    max_commute_km: float
    caregiver: bool
    physical_limitations: list[str]
    expected_wage_min: int | None
    available_from: date | None
    unavailable_months: list[int]
    employment_status: EmploymentStatus
    sms_consent: bool
    share_consent: bool
    automated_matching_refused: bool
    automated_matching_refused_at: datetime | None
    language_notes: str | None
    active: bool
    deactivated_reason: str | None
    deactivated_at: datetime | None
    erased: bool
    version: int
    created_at: datetime
    updated_at: datetime


class WorkerSharedPublic(BaseModel):
    """What an employer sees of a worker referred to it who consented to share: reduced and masked."""

    id: uuid.UUID
    name_masked: str | None = Field(description="family name only: 王**")
    phone_masked: str | None
    birth_year: int | None
    education: str | None
    skills: list[SkillOut]
    livelihood_type: LivelihoodType
    available_from: date | None
    expected_wage_min: int | None
    employment_status: EmploymentStatus


class DeactivateIn(Strict):
    """POST /workers/{id}/deactivate body."""

    reason: DeactivationReason = "moved_away"


class EmploymentIn(Strict):
    """POST /workers/{id}/employment body: staff record a change of employment."""

    status: EmploymentStatus
    cause: EmploymentCause = "manual"
    job_id: uuid.UUID | None = None


class EmploymentOut(BaseModel):
    """The worker's new status and the household's consequence."""

    worker: WorkerPublic
    household: HouseholdPublic


# ------------------------------------------------------------------ reveal and its audit
RevealField = Literal["phone", "id_number"]


class RevealIn(Strict):
    """POST /workers/{id}/reveal body: which field and why (the reason is audited)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"field": "phone", "reason": "短信发送失败，电话通知面试时间"}]},
    )

    field: RevealField = "phone"
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=500)] = Field(
        description="why the full value is needed, e.g. 短信发送失败，电话通知"
    )


class RevealOut(BaseModel):
    """The full value, once; every answer is an audit record."""

    worker_id: uuid.UUID
    field: RevealField
    value: str | None = Field(description="E.164 phone or 18-character ID number; null when none is on file")
    audit_id: uuid.UUID


class PiiRevealPublic(BaseModel):
    """One audited read of a worker's full phone or ID number."""

    id: uuid.UUID
    worker_id: uuid.UUID
    site_id: uuid.UUID
    field: RevealField
    reason: str
    actor: str
    actor_role: str
    request_id: str | None
    created_at: datetime


# ------------------------------------------------------------------ internal
class ContactPublic(BaseModel):
    """Contact details for the notifications service only (service token)."""

    worker_id: uuid.UUID
    site_id: uuid.UUID
    household_id: uuid.UUID
    phone: str | None = Field(description="E.164; null after erasure")
    sms_consent: bool = Field(description="false when the worker opted out, was deactivated or erased")
    name: str | None
    active: bool


class ContactsIn(Strict):
    """POST /internal/v1/workers/contacts body: the workers a dispatcher batch is about to text."""

    worker_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class ContactsOut(BaseModel):
    """Contact details of the workers found; the ids not found (never registered) in missing."""

    contacts: list[ContactPublic]
    missing: list[uuid.UUID]


class LookupIn(Strict):
    """POST /internal/v1/workers/lookup body."""

    phone: Phone


class LookupOut(BaseModel):
    """Active workers using that phone number (a family may share one)."""

    worker_ids: list[uuid.UUID]


# ------------------------------------------------------------------ import
class RowError(BaseModel):
    """Why one row of an upload was rejected."""

    row: int = Field(description="spreadsheet row number (the header is row 1)")
    column: str = Field(description="the column header as uploaded, or the field name")
    reason: str


class ImportReport(BaseModel):
    """Outcome of a bulk import."""

    dry_run: bool
    rows: int
    valid: int
    created: int
    existing: int = Field(description="valid rows that matched an already registered worker (not added)")
    rejected: int
    households_created: int
    errors: list[RowError]


# ------------------------------------------------------------------ stats
class GroupStats(BaseModel):
    """Labour force and employment of one slice of a site."""

    key: str
    labour_force: int
    employed: int
    employment_rate: float


class CategoryStats(GroupStats):
    """A monitoring category: its households as well as its workers."""

    households: int
    zero_employment_households: int


class ZeroEmploymentHousehold(BaseModel):
    """A household without any employed member, and for how long."""

    household_id: uuid.UUID
    household_ref: str | None
    monitoring_category: MonitoringCategory
    zero_employment_since: date | None
    days: int


class SiteStats(BaseModel):
    """GET /sites/{id}/stats."""

    site_id: uuid.UUID
    site_name: str
    as_of: date
    households: int
    labour_force: int
    employed: int
    employment_rate: float
    zero_employment_households: int
    zero_employment_longest_days: int
    zero_employment: list[ZeroEmploymentHousehold]
    by_livelihood_type: list[GroupStats]
    by_monitoring_category: list[CategoryStats]
    retention: RetentionStats | None = None
    fell_back_to_zero_this_month: int = 0
    fell_back_to_zero: list[FellBackHousehold] = Field(default_factory=list)
    automated_matching_refusals: list[RefusalOut] = Field(default_factory=list)


# ------------------------------------------------------------------ after the hire
PlacementEndReason = Literal["left", "dismissed", "contract_ended", "other"]
FollowUpOutcomeIn = Literal["on_job", "left", "wage_arrears"]
ContractType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
PlaceText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class FollowUpPublic(BaseModel):
    """A follow-up of a placement."""

    id: uuid.UUID
    placement_id: uuid.UUID
    worker_id: uuid.UUID
    month_offset: int = Field(description="months after the start; 0 for a check outside the schedule")
    due_on: date
    status: Literal["scheduled", "due", "overdue", "done", "cancelled"]
    fell_due_on: date | None
    outcome: Literal["on_job", "left", "wage_arrears", "no_reply"] | None
    channel: Literal["sms", "phone", "visit"] | None
    note: str | None
    recorded_by: str | None
    recorded_at: datetime | None


class PlacementPublic(BaseModel):
    """A placement: the worker's job after the hire, its terms, its follow-ups."""

    id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    job_id: uuid.UUID | None
    match_id: uuid.UUID | None
    employer_id: uuid.UUID | None
    employer_name: str
    job_title: str
    job_kind: EmployerKind | None
    livelihood_type: LivelihoodType
    started_on: date
    wage_cny: int | None
    contract_type: str | None
    social_insurance: bool | None
    place: str
    departure_id: uuid.UUID | None
    status: Literal["active", "ended"]
    ended_on: date | None
    end_reason: PlacementEndReason | None
    end_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    follow_ups: list[FollowUpPublic]


class PlacementUpdate(Strict):
    """PATCH /placements/{id}: complete or correct the terms; If-Match or version required."""

    employer_name: LongName | None = None
    job_title: LongName | None = None
    job_kind: EmployerKind | None = None
    started_on: date | None = Field(default=None, description="moves the follow-ups not yet due")
    wage_cny: Wage | None = Field(default=None, description="wage agreed, CNY per month")
    contract_type: ContractType | None = Field(default=None, description="e.g. 劳动合同 / 劳务协议 / 临时")
    social_insurance: bool | None = None
    place: PlaceText | None = Field(default=None, description="place of work")
    departure_id: uuid.UUID | None = None
    version: int | None = Field(default=None, ge=1, description="the version you read; stale gets 409")


class PlacementEndIn(Strict):
    """POST /placements/{id}/end: the placement ended (staff)."""

    reason: PlacementEndReason
    ended_on: date | None = Field(default=None, description="default today; not before the start")
    note: Notes | None = None
    version: int | None = Field(default=None, ge=1, description="the version you read; stale gets 409")


class FollowUpRecordIn(Strict):
    """POST /placements/{id}/follow-ups: staff reached the worker by phone or visit."""

    channel: Literal["phone", "visit"]
    outcome: FollowUpOutcomeIn
    note: Notes | None = None
    follow_up_id: uuid.UUID | None = Field(
        default=None, description="the follow-up answered; default the earliest one due and open"
    )


class RetentionFigure(BaseModel):
    """Retention after N months: of the placements started at least N months ago, how many were still
    active N months after their start."""

    months: int
    started: int
    retained: int
    rate: float


class RetentionGroup(BaseModel):
    """Retention of one slice (an employer, a livelihood type, a job kind)."""

    key: str
    name: str | None = None
    figures: list[RetentionFigure]


class RetentionStats(BaseModel):
    """1-, 3- and 6-month retention of a site's placements, overall and by slice (each sums to overall)."""

    months: list[int]
    placements: int
    active: int
    overall: list[RetentionFigure]
    by_employer: list[RetentionGroup]
    by_livelihood_type: list[RetentionGroup]
    by_job_kind: list[RetentionGroup]


class FellBackHousehold(BaseModel):
    """A household that fell back to zero employment."""

    household_id: uuid.UUID
    household_ref: str | None
    fell_back_at: datetime


class RefusalOut(BaseModel):
    """A worker who refused automated matching, and since when."""

    worker_id: uuid.UUID
    name_masked: str
    refused_at: datetime | None


SiteStats.model_rebuild()
