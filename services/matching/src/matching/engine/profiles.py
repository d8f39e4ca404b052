"""What the engine knows about workers, households, jobs and courses, built from event payloads."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anju_common import places
from anju_common.events import (
    EmployerKind,
    EmploymentStatus,
    HouseholdData,
    JobData,
    JobStatus,
    LivelihoodType,
    MonitoringCategory,
    Shift,
    TrainingData,
    TrainingStatus,
    WorkerData,
)
from anju_common.places import Level

from matching.engine.normalise import Normaliser, clean

# Small integer codes of the enums, for numpy columns.
LIVELIHOOD = {v: i for i, v in enumerate(LivelihoodType)}
SHIFT = {v: i for i, v in enumerate(Shift)}
MONITORING = {v: i for i, v in enumerate(MonitoringCategory)}
EMPLOYMENT = {v: i for i, v in enumerate(EmploymentStatus)}


@dataclass(frozen=True, slots=True)
class WorkerSkill:
    """A worker's skill after normalisation; skill_id is None for free text."""

    skill_id: str | None
    text: str
    level: int = 1
    certified: bool = False


@dataclass(frozen=True, slots=True)
class RequiredSkill:
    """A skill a job asks for; skill_id is None when it did not normalise."""

    skill_id: str | None
    text: str
    entry_level: bool = False


@dataclass(frozen=True, slots=True)
class HouseholdProfile:
    """A household's priority signals."""

    household_id: uuid.UUID
    site_id: uuid.UUID | None = None
    zero_employment: bool = False
    zero_employment_since: date | None = None
    monitoring: MonitoringCategory = MonitoringCategory.none
    version: int = 0


@dataclass(frozen=True, slots=True)
class WorkerProfile:
    """A worker's matching profile: no name, phone, ID number, gender, ethnicity or religion exists here."""

    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    lat: float | None
    lon: float | None
    province: str | None
    county: str | None
    home_county: str | None
    home_province: str | None
    birth_year: int
    skills: tuple[WorkerSkill, ...]
    livelihood: LivelihoodType
    max_commute_km: float
    caregiver: bool = False
    limitations: frozenset[str] = frozenset()
    expected_wage_min: int | None = None
    available_from: date | None = None
    unavailable_months: frozenset[int] = frozenset()
    employment_status: EmploymentStatus = EmploymentStatus.unemployed
    active: bool = True
    sms_consent: bool = False
    risk: bool = False  # recent job loss or wage arrears (a poverty-return risk signal)

    def skill_ids(self) -> set[str]:
        """The canonical skills this worker has."""
        return {s.skill_id for s in self.skills if s.skill_id}


@dataclass(frozen=True, slots=True)
class JobProfile:
    """A job as the engine ranks it."""

    job_id: uuid.UUID
    employer_id: uuid.UUID
    employer_name: str
    employer_kind: EmployerKind
    title: str
    skills: tuple[RequiredSkill, ...]
    headcount: int
    seats_left: int
    wage_min: int
    wage_max: int
    lat: float | None
    lon: float | None
    province: str | None
    county: str | None
    site_id: uuid.UUID | None
    place: str
    shift: Shift
    caregiver_friendly: bool = False
    dormitory: bool = False
    cross_province: bool = False
    min_age: int = 16
    max_age: int = 65
    requirements: frozenset[str] = frozenset()
    starts_on: date | None = None
    status: JobStatus = JobStatus.open
    hired_count: int = 0

    def core_skill_ids(self) -> set[str]:
        """Canonical skills that are not entry level (the ones that can block a worker)."""
        return {s.skill_id for s in self.skills if s.skill_id and not s.entry_level}


@dataclass(frozen=True, slots=True)
class TrainingProfile:
    """A training course and what it teaches."""

    training_id: uuid.UUID
    title: str
    skill_ids: frozenset[str]
    lat: float | None
    lon: float | None
    county: str | None
    place: str
    seats_left: int
    starts_on: date | None
    subsidy_cny: int
    status: TrainingStatus
    taught_texts: tuple[str, ...] = field(default=())


EMPTY: frozenset[str] = frozenset()


def _set(values: frozenset[Any]) -> frozenset[Any]:
    """The shared empty set when empty (most workers have no limitations), to keep 100,000 profiles small."""
    return values or EMPTY


def region(code: str | None, name: str | None, level: Level, within: str | None = None) -> str | None:
    """Comparable key of a province or county: its GB/T 2260 code (interned: few places, many rows).

    Events older than the codes carry only names: those are normalised with the kit's table, and a name it
    cannot place is compared as cleaned text.
    """
    if code:
        return sys.intern(code)
    if not name:
        return None
    scope = within if within and within.isdigit() else None
    return sys.intern(places.code_or_none(name, level, scope) or clean(name)) or None


def worker_profile(data: WorkerData, norm: Normaliser, *, risk: bool = False) -> WorkerProfile:
    """A worker's profile from a worker.registered/updated payload, skills normalised."""
    skills = []
    for s in data.skills:
        hit = norm.skill(s.name)
        skills.append(WorkerSkill(hit.id, sys.intern(hit.text), s.level, s.certified))
    loc = data.location
    province = region(loc.province_code, loc.province, "province")
    home_province = region(data.home_province_code, data.home_province, "province")
    return WorkerProfile(
        worker_id=data.worker_id,
        household_id=data.household_id,
        site_id=data.site_id,
        lat=data.location.lat,
        lon=data.location.lon,
        province=province,
        county=region(loc.county_code, loc.county, "county", province),
        home_county=region(data.home_county_code, data.home_county, "county", home_province),
        home_province=home_province,
        birth_year=data.birth_year,
        skills=tuple(skills),
        livelihood=data.livelihood_type,
        max_commute_km=data.max_commute_km,
        caregiver=data.caregiver,
        limitations=_set(frozenset(norm.physical(x) for x in data.physical_limitations)),
        expected_wage_min=data.expected_wage_min,
        available_from=data.available_from,
        unavailable_months=_set(frozenset(m for m in data.unavailable_months if 1 <= m <= 12)),
        employment_status=data.employment_status,
        active=data.active,
        sms_consent=data.sms_consent,
        risk=risk,
    )


def household_profile(data: HouseholdData) -> HouseholdProfile:
    """A household's priority signals from any payload that carries them."""
    return HouseholdProfile(
        household_id=data.household_id,
        site_id=data.site_id,
        zero_employment=data.zero_employment,
        zero_employment_since=data.zero_employment_since,
        monitoring=data.monitoring_category,
        version=data.version,
    )


def required_skills(names: list[str], norm: Normaliser) -> tuple[RequiredSkill, ...]:
    """A job's skill list, normalised and de-duplicated."""
    out: dict[str, RequiredSkill] = {}
    for name in names:
        hit = norm.skill(name)
        if not hit.text:
            continue
        key = hit.id or f"text:{hit.text}"
        out.setdefault(key, RequiredSkill(hit.id, hit.text, norm.taxonomy.is_entry_level(hit.id)))
    return tuple(out.values())


def place_of(name: str | None, county: str | None, province: str | None) -> str:
    """Short place text for SMS and lists."""
    return name or county or province or ""


def job_profile(data: JobData, norm: Normaliser, seats_left: int | None = None) -> JobProfile:
    """A job's profile from a job.posted/updated payload (or a preview request)."""
    loc = data.location
    province = region(loc.province_code, loc.province, "province")
    return JobProfile(
        job_id=data.job_id,
        employer_id=data.employer_id,
        employer_name=data.employer_name,
        employer_kind=data.employer_kind,
        title=data.title,
        skills=required_skills(data.skills, norm),
        headcount=data.headcount,
        seats_left=data.headcount - data.hired_count if seats_left is None else seats_left,
        wage_min=data.wage_min,
        wage_max=data.wage_max,
        lat=loc.lat,
        lon=loc.lon,
        province=province,
        county=region(loc.county_code, loc.county, "county", province),
        site_id=loc.site_id,
        place=place_of(loc.name, loc.county, loc.province),
        shift=data.shift,
        caregiver_friendly=data.caregiver_friendly,
        dormitory=data.dormitory,
        cross_province=data.cross_province,
        min_age=data.min_age,
        max_age=data.max_age,
        requirements=frozenset(norm.physical(x) for x in data.physical_requirements),
        starts_on=data.starts_on,
        status=data.status,
        hired_count=data.hired_count,
    )


def training_profile(data: TrainingData, norm: Normaliser) -> TrainingProfile:
    """A course's profile from a training.published payload."""
    hits = [norm.skill(s) for s in data.skills_taught]
    loc = data.location
    province = region(loc.province_code, loc.province, "province")
    return TrainingProfile(
        training_id=data.training_id,
        title=data.title,
        skill_ids=frozenset(h.id for h in hits if h.id),
        lat=loc.lat,
        lon=loc.lon,
        county=region(loc.county_code, loc.county, "county", province),
        place=place_of(loc.name, loc.county, loc.province),
        seats_left=data.seats_left,
        starts_on=data.starts_on,
        subsidy_cny=data.subsidy_cny,
        status=data.status,
        taught_texts=tuple(h.text for h in hits if not h.id),
    )
