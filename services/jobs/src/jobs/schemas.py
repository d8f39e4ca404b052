"""Request and response shapes of the jobs API (XBase / XCreate / XUpdate / XPublic)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Literal, Self

from anju_common.events import EmployerKind, JobStatus, Shift, TrainingStatus
from anju_common.places import CountyText, ProvinceCode, county_within
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from jobs.skills_read import SkillRead

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SkillName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Text = Annotated[str, StringConstraints(max_length=4000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 -]{5,20}$")]
Lat = Annotated[float, Field(ge=-90, le=90, description="latitude, WGS84 degrees")]
Lon = Annotated[float, Field(ge=-180, le=180, description="longitude, WGS84 degrees")]
Age = Annotated[int, Field(ge=16, le=65, description="legal working age range 16..65")]
Wage = Annotated[int, Field(ge=0, le=1_000_000, description="CNY per month")]


class Strict(BaseModel):
    """Inputs reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ employers
class EmployerBase(Strict):
    """Fields an employer is created with."""

    name: LongName
    kind: EmployerKind
    site_id: uuid.UUID | None = None
    province: ProvinceCode | None = None
    county: CountyText | None = None
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    check_county = field_validator("county")(county_within("province"))

    @model_validator(mode="after")
    def _where(self) -> Self:
        if self.site_id is None and not (self.county or self.province):
            raise ValueError("an employer needs a site_id or a county/province")
        return self


class EmployerCreate(EmployerBase):
    """POST /employers body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "王家社区扶贫车间（制衣）",
                    "kind": "workshop",
                    "site_id": "5f0c6f5e-2a8e-4a59-9c55-0a2c1f6e8c11",
                    "county": "惠水县",
                    "province": "贵州省",
                }
            ]
        },
    )


class EmployerUpdate(Strict):
    """PATCH /employers/{id} body: only the fields to change."""

    name: LongName | None = None
    site_id: uuid.UUID | None = None
    province: ProvinceCode | None = None
    county: CountyText | None = None
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    version: int | None = Field(default=None, ge=1)
    check_county = field_validator("county")(county_within("province"))


class EmployerPublic(BaseModel):
    """An employer as the API returns it."""

    id: uuid.UUID
    name: str
    kind: EmployerKind
    site_id: uuid.UUID | None
    county: str | None
    county_code: str | None = Field(description="GB/T 2260 code")
    province: str | None
    province_code: str | None = Field(description="GB/T 2260 code")
    contact_name: str | None
    version: int
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------ location
class LocationIn(Strict):
    """Where a job or course takes place."""

    site_id: uuid.UUID | None = None
    province: ProvinceCode
    county: CountyText | None = None
    lat: Lat
    lon: Lon
    name: LongName | None = None
    province_code: str | None = Field(
        default=None, description="as answered by GET (optional on input; must agree with province)"
    )
    county_code: str | None = Field(
        default=None, description="as answered by GET (optional on input; must agree with county)"
    )
    check_county = field_validator("county")(county_within("province"))

    @model_validator(mode="after")
    def codes_agree(self) -> Self:
        """A location read back from GET may be sent again; its codes must be those its names resolve to."""
        if self.province_code is not None and self.province_code != self.province:
            raise ValueError(
                f"province_code {self.province_code} 与 province 不一致 / "
                f"does not match province ({self.province})"
            )
        if self.county_code is not None and self.county_code != self.county:
            raise ValueError(
                f"county_code {self.county_code} 与 county 不一致 / does not match county ({self.county})"
            )
        return self


class LocationOut(BaseModel):
    """Location in responses."""

    site_id: uuid.UUID | None
    county: str | None
    county_code: str | None = Field(description="GB/T 2260 code")
    province: str
    province_code: str | None = Field(
        description="GB/T 2260 code (absent only for rows older than the codes)"
    )
    lat: float
    lon: float
    name: str | None


# ------------------------------------------------------------------ jobs
class JobBase(Strict):
    """Fields shared by create and read."""

    title: Name
    description: Text = ""
    skills: list[SkillName] = Field(default_factory=list, max_length=30)
    headcount: int = Field(ge=1, le=10_000)
    wage_min: Wage
    wage_max: Wage
    location: LocationIn
    shift: Shift = Shift.day
    caregiver_friendly: bool = False
    dormitory: bool = False
    cross_province: bool = False
    min_age: Age = 16
    max_age: Age = 65
    physical_requirements: list[SkillName] = Field(default_factory=list, max_length=20)
    starts_on: date | None = None
    expires_on: date | None = None


def _check_job_rules(
    wage_min: int, wage_max: int, min_age: int, max_age: int, starts: date | None, expires: date | None
) -> None:
    if wage_min > wage_max:
        raise ValueError("wage_min must be less than or equal to wage_max")
    if min_age > max_age:
        raise ValueError("min_age must be less than or equal to max_age")
    if starts and expires and expires < starts:
        raise ValueError("expires_on must not be before starts_on")


class JobCreate(JobBase):
    """POST /jobs body."""

    employer_id: uuid.UUID | None = Field(
        default=None, description="required for staff; an employer's API key implies its own employer"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": "0b7e3a55-3c49-4d0e-9b7b-8c1c5e0b9a01",
                    "title": "缝纫工",
                    "description": "车间计件，可带孩子",
                    "skills": ["缝纫", "车工"],
                    "headcount": 5,
                    "wage_min": 2800,
                    "wage_max": 4200,
                    "location": {
                        "site_id": "5f0c6f5e-2a8e-4a59-9c55-0a2c1f6e8c11",
                        "county": "惠水县",
                        "province": "贵州省",
                        "lat": 26.13,
                        "lon": 106.66,
                        "name": "王家社区扶贫车间",
                    },
                    "shift": "flexible",
                    "caregiver_friendly": True,
                    "min_age": 18,
                    "max_age": 55,
                }
            ]
        },
    )

    @model_validator(mode="after")
    def _rules(self) -> Self:
        _check_job_rules(
            self.wage_min, self.wage_max, self.min_age, self.max_age, self.starts_on, self.expires_on
        )
        return self

    @field_validator("expires_on")
    @classmethod
    def _not_expired(cls, value: date | None) -> date | None:
        # A day of slack so a job posted late in the evening in China is not refused by a UTC clock.
        if value is not None and value < date.today() - timedelta(days=1):
            raise ValueError("expires_on is in the past")
        return value


class JobUpdate(Strict):
    """PATCH /jobs/{id} body: fields to change; send If-Match or version for concurrency control."""

    title: Name | None = None
    description: Text | None = None
    skills: list[SkillName] | None = Field(default=None, max_length=30)
    headcount: int | None = Field(default=None, ge=1, le=10_000)
    wage_min: Wage | None = None
    wage_max: Wage | None = None
    location: LocationIn | None = None
    shift: Shift | None = None
    caregiver_friendly: bool | None = None
    dormitory: bool | None = None
    cross_province: bool | None = None
    min_age: Age | None = None
    max_age: Age | None = None
    physical_requirements: list[SkillName] | None = Field(default=None, max_length=20)
    starts_on: date | None = None
    expires_on: date | None = None
    version: int | None = Field(default=None, ge=1, description="the version you read; stale gets 409")


class JobClose(Strict):
    """POST /jobs/{id}/close body."""

    reason: Literal["closed", "filled"] = "closed"


class JobPublic(BaseModel):
    """A job as the API returns it."""

    id: uuid.UUID
    employer_id: uuid.UUID
    title: str
    description: str
    skills: list[str]
    skills_read: list[SkillRead] = Field(
        default_factory=list, description="what each skill was read as (the vocabulary matching ranks with)"
    )
    headcount: int
    hired_count: int
    wage_min: int
    wage_max: int
    location: LocationOut
    shift: Shift
    caregiver_friendly: bool
    dormitory: bool
    cross_province: bool
    min_age: int
    max_age: int
    physical_requirements: list[str]
    starts_on: date | None
    expires_on: date | None
    status: JobStatus
    closed_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


# ------------------------------------------------------------------ trainings
class TrainingBase(Strict):
    """Fields of a training course."""

    provider: LongName
    title: Name
    description: Text = ""
    skills_taught: list[SkillName] = Field(min_length=1, max_length=20)
    location: LocationIn
    starts_on: date | None = None
    ends_on: date | None = None
    seats: int = Field(ge=1, le=10_000)
    subsidy_cny: int = Field(default=0, ge=0, le=100_000)
    certificate: Name | None = Field(
        default=None, description="the certificate a completed course gives, e.g. 焊工证 (added to workers)"
    )


class TrainingCreate(TrainingBase):
    """POST /trainings body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "provider": "惠水县人社局培训中心",
                    "title": "缝纫工培训班",
                    "skills_taught": ["缝纫"],
                    "location": {"county": "惠水县", "province": "贵州省", "lat": 26.13, "lon": 106.66},
                    "starts_on": "2026-12-01",
                    "ends_on": "2026-12-20",
                    "seats": 30,
                    "subsidy_cny": 800,
                }
            ]
        },
    )

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class TrainingUpdate(Strict):
    """PATCH /trainings/{id} body."""

    provider: LongName | None = None
    title: Name | None = None
    description: Text | None = None
    skills_taught: list[SkillName] | None = Field(default=None, min_length=1, max_length=20)
    location: LocationIn | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    seats: int | None = Field(default=None, ge=1, le=10_000)
    seats_taken: int | None = Field(default=None, ge=0, le=10_000)
    subsidy_cny: int | None = Field(default=None, ge=0, le=100_000)
    certificate: Name | None = None
    version: int | None = Field(default=None, ge=1)


class TrainingPublic(BaseModel):
    """A course as the API returns it."""

    id: uuid.UUID
    provider: str
    title: str
    description: str
    skills_taught: list[str]
    location: LocationOut
    starts_on: date | None
    ends_on: date | None
    seats: int
    seats_taken: int
    subsidy_cny: int
    certificate: str | None = None
    employer_id: uuid.UUID | None = None
    status: TrainingStatus
    version: int
    created_at: datetime
    updated_at: datetime


class EnrolmentPublic(BaseModel):
    """A worker's place on a course."""

    id: uuid.UUID
    training_id: uuid.UUID
    worker_id: uuid.UUID
    site_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    status: str = Field(description="enrolled, waitlisted, completed or withdrawn")
    certificate: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class EnrolmentComplete(Strict):
    """POST /trainings/{id}/enrolments/{worker_id}/complete body (optional)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"certificate": "焊工证"}]})

    certificate: Name | None = Field(
        default=None, description="the certificate obtained; defaults to the course's certificate"
    )
