"""Envelope and shared vocabulary of every event contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from anju_common.clock import utcnow
from anju_common.labels import LabelledEnum


class Contract(BaseModel):
    """Base of every event payload: strict about unknown fields, JSON friendly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EmployerKind(LabelledEnum):
    """Who offers the job."""

    workshop = "workshop"
    enterprise = "enterprise"
    labor_cooperation = "labor_cooperation"
    public_welfare = "public_welfare"


class Shift(LabelledEnum):
    """Working-time pattern of a job."""

    day = "day"
    night = "night"
    flexible = "flexible"
    part_time = "part_time"


class JobStatus(LabelledEnum):
    """Lifecycle of a job."""

    open = "open"
    filled = "filled"
    closed = "closed"


class TrainingStatus(LabelledEnum):
    """Lifecycle of a training course."""

    open = "open"
    full = "full"
    closed = "closed"


class LivelihoodType(LabelledEnum):
    """How a worker makes a living after relocation."""

    migrant = "migrant"
    local = "local"
    worker_peasant = "worker_peasant"
    returnee_agriculture = "returnee_agriculture"


class MonitoringCategory(LabelledEnum):
    """Poverty-return risk category of a household."""

    none = "none"
    unstable = "unstable"
    marginal = "marginal"
    sudden_hardship = "sudden_hardship"


class EmploymentStatus(LabelledEnum):
    """What a worker does now."""

    unemployed = "unemployed"
    employed = "employed"
    seasonal = "seasonal"
    agriculture = "agriculture"


class MatchStatus(LabelledEnum):
    """States of a proposed match."""

    proposed = "proposed"
    notified = "notified"
    interested = "interested"
    declined = "declined"
    referred = "referred"
    hired = "hired"
    rejected = "rejected"
    expired = "expired"
    left = "left"


class ReplyKind(LabelledEnum):
    """Meaning of a worker's SMS reply."""

    interested = "interested"
    not_interested = "not_interested"
    opt_out = "opt_out"
    unknown = "unknown"
    on_job = "on_job"
    left_job = "left_job"
    wages_unpaid = "wages_unpaid"
    arrived = "arrived"
    refuse_automation = "refuse_automation"


class Gender(LabelledEnum):
    """Recorded only; never a matching criterion."""

    female = "female"
    male = "male"


class Location(Contract):
    """Where something is: a site or a county, with coordinates; GB/T 2260 codes (absent in old events)."""

    site_id: uuid.UUID | None = None
    county: str | None = None
    county_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    province: str | None = None
    province_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    lat: float | None = None
    lon: float | None = None
    name: str | None = None


class Reason(Contract):
    """A short reason in Chinese and English."""

    code: str
    zh: str
    en: str


class Event(BaseModel):
    """CloudEvents 1.0 envelope in structured JSON mode; subclasses fix type and data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    SOURCE_SERVICE: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str = ""
    time: datetime = Field(default_factory=utcnow)
    subject: str
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    requestid: str | None = None
    data: Any

    @classmethod
    def type_name(cls) -> str:
        """The CloudEvents type this class carries."""
        default = cls.model_fields["type"].default
        assert isinstance(default, str)
        return default

    @classmethod
    def topic(cls) -> str:
        """Logical topic the event belongs to."""
        return f"{cls.SOURCE_SERVICE}.events"

    @classmethod
    def build(cls, data: Contract, *, subject: object, request_id: str | None = None) -> Self:
        """Wrap a payload in a new envelope keyed by its aggregate id."""
        name = cls.type_name().removeprefix(f"anju.{cls.SOURCE_SERVICE}.")
        return cls(
            source=f"/anju/{cls.SOURCE_SERVICE}",
            subject=str(subject),
            dataschema=f"urn:anju:{cls.SOURCE_SERVICE}:{name}:v{cls.SCHEMA_VERSION}",
            requestid=request_id,
            data=data,
        )

    def key(self) -> bytes:
        """Kafka key: the aggregate id, so one aggregate's events stay in order."""
        return self.subject.encode()

    def to_json(self) -> bytes:
        """Wire form: CloudEvents structured JSON."""
        return self.model_dump_json(exclude_none=True).encode()
