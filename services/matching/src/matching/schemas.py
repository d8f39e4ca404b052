"""Request and response shapes of the matching API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from anju_common.events import EmployerKind, MatchStatus, Reason, Shift
from anju_common.pii import redact_text
from anju_common.places import CountyText, ProvinceCode, county_within
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
SkillName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
# Phone and ID numbers typed into a note are masked before it is stored (employers read the history).
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(redact_text)]


class Strict(BaseModel):
    """Inputs reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


class Breakdown(BaseModel):
    """Score components, each 0..1; the score is their weighted mean times 100."""

    skill: float
    commute: float
    wage: float
    schedule: float
    household: float
    skill_neighbour: float = Field(
        default=0.0, description="part of `skill` earned through neighbouring trades (0 when none)"
    )


class RankedWorker(BaseModel):
    """A worker ranked for a job (not stored; nothing was proposed)."""

    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    score: float = Field(description="0..100")
    breakdown: Breakdown
    distance_km: float | None
    reasons: list[Reason]


class RankedJob(BaseModel):
    """A job ranked for a worker (not stored)."""

    job_id: uuid.UUID
    title: str
    employer_name: str
    score: float
    breakdown: Breakdown
    distance_km: float | None
    reasons: list[Reason]


class MatchPublic(BaseModel):
    """A stored match (a proposal and where it stands)."""

    id: uuid.UUID
    job_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    employer_id: uuid.UUID | None
    status: MatchStatus
    score: float
    breakdown: Breakdown
    reasons: list[Reason]
    job_title: str
    employer_name: str
    wage_min: int
    wage_max: int
    place: str
    version: int
    created_at: datetime
    updated_at: datetime


class TransitionPublic(BaseModel):
    """One status change."""

    from_status: MatchStatus
    to_status: MatchStatus
    actor: str
    note: str | None
    at: datetime


class MatchDetail(MatchPublic):
    """A match with its history."""

    history: list[TransitionPublic]


class EmployerMatch(BaseModel):
    """A match as the employer sees it: a referred worker who agreed to share, and the job. No household or
    site, no poverty, monitoring or caregiver facts, no score or reasons; the worker's shared profile is
    GET /workers/{worker_id}."""

    id: uuid.UUID
    job_id: uuid.UUID
    worker_id: uuid.UUID
    status: MatchStatus
    job_title: str
    wage_min: int
    wage_max: int
    place: str
    version: int
    created_at: datetime
    updated_at: datetime


class EmployerTransition(BaseModel):
    """One status change as the employer sees it (who on the office side is not shown)."""

    from_status: MatchStatus
    to_status: MatchStatus
    note: str | None
    at: datetime


class EmployerMatchDetail(EmployerMatch):
    """An employer's match with its history."""

    history: list[EmployerTransition]


class EmployerJobMatches(BaseModel):
    """GET /jobs/{id}/matches for the job's employer: referred, consenting workers only."""

    job_id: uuid.UUID
    matches: list[EmployerMatch]


class EmployerWorkerMatches(BaseModel):
    """GET /workers/{id}/matches for an employer: that worker's matches with the employer's jobs."""

    worker_id: uuid.UUID
    matches: list[EmployerMatch]


class TrainingOfferPublic(BaseModel):
    """A course offered to a worker."""

    id: uuid.UUID
    training_id: uuid.UUID
    title: str
    missing_skills: list[str]
    unlocks_job_ids: list[uuid.UUID]
    status: str
    created_at: datetime


class JobMatches(BaseModel):
    """GET /jobs/{id}/matches: stored proposals, and the live ranking when asked for."""

    job_id: uuid.UUID
    matches: list[MatchPublic]
    ranking: list[RankedWorker] | None = None


class WorkerMatches(BaseModel):
    """GET /workers/{id}/matches: proposals, training offers, and the live job ranking when asked for."""

    worker_id: uuid.UUID
    matches: list[MatchPublic]
    training_offers: list[TrainingOfferPublic]
    ranking: list[RankedJob] | None = None


class StatusChange(Strict):
    """POST /matches/{id}/status body."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "referred", "note": "约好周一面试"}]}
    )

    status: MatchStatus
    note: Note | None = None


class PreviewLocation(Strict):
    """Where the job is."""

    site_id: uuid.UUID | None = None
    province: ProvinceCode
    county: CountyText | None = None
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    check_county = field_validator("county")(county_within("province"))


class MatchPreview(Strict):
    """POST /match-preview body: a job that is not posted yet."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "缝纫工",
                    "employer_name": "王家社区扶贫车间",
                    "employer_kind": "workshop",
                    "skills": ["缝纫工"],
                    "headcount": 5,
                    "wage_min": 2800,
                    "wage_max": 3800,
                    "location": {"county": "惠水县", "province": "贵州省", "lat": 26.13, "lon": 106.65},
                    "shift": "day",
                    "caregiver_friendly": True,
                }
            ]
        },
    )

    title: Name
    employer_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = (
        "preview"
    )
    employer_kind: EmployerKind = EmployerKind.enterprise
    skills: list[SkillName] = Field(default_factory=list, max_length=20)
    headcount: int = Field(ge=1, le=10_000)
    wage_min: int = Field(ge=0, le=1_000_000)
    wage_max: int = Field(ge=0, le=1_000_000)
    location: PreviewLocation
    shift: Shift = Shift.day
    caregiver_friendly: bool = False
    dormitory: bool = False
    cross_province: bool = False
    min_age: int = Field(default=16, ge=16, le=65)
    max_age: int = Field(default=65, ge=16, le=65)
    physical_requirements: list[SkillName] = Field(default_factory=list, max_length=20)
    starts_on: date | None = None

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        if self.wage_min > self.wage_max:
            raise ValueError("wage_min must be less than or equal to wage_max")
        if self.min_age > self.max_age:
            raise ValueError("min_age must be less than or equal to max_age")
        return self


class PreviewResult(BaseModel):
    """The workers a job would be proposed to, best first, with reasons; nothing is stored or sent."""

    eligible_shown: int
    normalised_skills: list[str]
    ranking: list[RankedWorker]


class FilterOutcome(BaseModel):
    """One hard filter of the ranking for one worker and job: passed or failed, and why."""

    code: str
    passed: bool
    zh: str
    en: str


class MatchRef(BaseModel):
    """The pair's current (or latest) match."""

    id: uuid.UUID
    status: MatchStatus


class MatchExplanation(BaseModel):
    """GET /jobs/{id}/matches/explain: why a worker is or is not proposed a job (PIPL art. 24)."""

    job_id: uuid.UUID
    worker_id: uuid.UUID
    eligible: bool
    filters: list[FilterOutcome]
    score: float | None = Field(description="0..100 when eligible; null when a hard filter fails")
    breakdown: dict[str, float]
    reasons: list[Reason]
    rank: int | None = Field(description="place among the job's eligible workers (1 = first); null if not")
    match: MatchRef | None


class ManualProposal(Strict):
    """POST /jobs/{id}/matches body: staff propose a job to a worker by hand, with the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"worker_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "reason": "本人来站咨询，要求人工推荐"}
            ]
        },
    )

    worker_id: uuid.UUID
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=480),
        AfterValidator(redact_text),
    ]
