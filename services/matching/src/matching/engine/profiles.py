"""What the engine knows about workers, households, jobs and courses, built from event payloads."""

from __future__ import annotations

import re
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
from anju_taxonomy import Context, Vocabulary, clean

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
    also: tuple[str, ...] = ()  # other trades an ambiguous name (车工) can mean: it matches those too

    def ids(self) -> tuple[str, ...]:
        """The trades this skill stands for."""
        return (self.skill_id, *self.also) if self.skill_id else ()


@dataclass(frozen=True, slots=True)
class RequiredSkill:
    """A skill a job asks for; skill_id is None when it did not normalise."""

    skill_id: str | None
    text: str
    entry_level: bool = False
    also: tuple[str, ...] = ()  # an ambiguous name the job's context could not decide
    read_as: tuple[str, str] | None = None  # why the engine chose the trade (zh, en), when it chose


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
    certificates: frozenset[str] = frozenset()  # licences held (recorded as certified, or named)

    def skill_ids(self) -> set[str]:
        """The canonical skills this worker has."""
        return {i for s in self.skills for i in s.ids()}


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
    certificates: frozenset[str] = frozenset()  # licences the law requires for the job's trades

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
    certificates: frozenset[str] = frozenset()  # licences the course leads to (焊工证培训, 叉车取证)


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


def read_skills(
    entries: list[tuple[str, int, bool]], vocab: Vocabulary, context: Context | None = None
) -> tuple[tuple[WorkerSkill, ...], frozenset[str]]:
    """Skills as written (name, level, certified) -> trades (several per entry when it names several),
    free text for what stayed unknown, and the certificates held. Each entry is read with the others
    as context, so 车工 next to 平车 is the sewing machinist."""
    out: dict[str, WorkerSkill] = {}
    held: set[str] = set()
    names = tuple(n for n, _, _ in entries)
    for name, level, certified in entries:
        others = tuple(n for n in names if n != name)
        ctx = Context(
            skills=others + (context.skills if context else ()),
            sector=context.sector if context else None,
            employer_name=context.employer_name if context else None,
        )
        r = vocab.read(name, ctx if ctx.skills or ctx.sector or ctx.employer_name else None)
        held |= {c.certificate_id for c in r.certificates}
        text = sys.intern(clean(name))
        for h in r.trades:
            lvl = max(level, h.level.rank if h.level else 1)
            cert = certified or h.certified
            if cert:
                held |= vocab.licences(h.trade_id)
            also = h.alternatives if h.how == "ambiguous" else ()
            prev = out.get(h.trade_id)
            if prev is None or (lvl, cert) > (prev.level, prev.certified):
                out[h.trade_id] = WorkerSkill(h.trade_id, text, lvl, cert, also)
        for fragment in r.unknown:
            key = sys.intern(clean(fragment))
            out.setdefault(f"text:{key}", WorkerSkill(None, key, level, certified))
    return tuple(out.values()), vocab.held_certificates(held)


def worker_profile(data: WorkerData, norm: Vocabulary, *, risk: bool = False) -> WorkerProfile:
    """A worker's profile from a worker.registered/updated payload, skills normalised."""
    skills, certificates = read_skills([(s.name, s.level, s.certified) for s in data.skills], norm)
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
        skills=skills,
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
        certificates=_set(certificates),
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


def required_skills(
    names: list[str], norm: Vocabulary, context: Context | None = None
) -> tuple[tuple[RequiredSkill, ...], frozenset[str]]:
    """A job's skill list, normalised and de-duplicated, and the certificates the law requires for it
    (its trades' mandatory licences and any certificate the job names)."""
    out: dict[str, RequiredSkill] = {}
    certs: set[str] = set()
    for name in names:
        others = tuple(n for n in names if n != name)
        ctx = Context(
            skills=others + (context.skills if context else ()),
            sector=context.sector if context else None,
            employer_name=context.employer_name if context else None,
            employer_kind=context.employer_kind if context else None,
        )
        r = norm.read(name, ctx)
        certs |= {
            c.certificate_id
            for c in r.certificates
            if (cert := norm.certificate(c.certificate_id)) is not None and cert.mandatory
        }
        text = clean(name)
        for h in r.trades:
            certs |= norm.licences(h.trade_id)
            read_as = (h.reason_zh, h.reason_en) if h.how == "context" else None
            also = h.alternatives if h.how == "ambiguous" else ()
            # Trades offices write as this one (公益岗保洁 for 保洁员) meet the requirement in full.
            also = (*also, *(i for i in norm.same_as(h.trade_id) if i not in also))
            out.setdefault(
                h.trade_id, RequiredSkill(h.trade_id, text, norm.is_entry_level(h.trade_id), also, read_as)
            )
        for fragment in r.unknown:
            key = clean(fragment)
            if key:
                out.setdefault(f"text:{key}", RequiredSkill(None, key, False))
    return tuple(out.values()), frozenset(certs)


def place_of(name: str | None, county: str | None, province: str | None) -> str:
    """Short place text for SMS and lists."""
    return name or county or province or ""


def job_profile(data: JobData, norm: Vocabulary, seats_left: int | None = None) -> JobProfile:
    """A job's profile from a job.posted/updated payload (or a preview request)."""
    loc = data.location
    context = Context(
        skills=(data.title,), employer_name=data.employer_name, employer_kind=data.employer_kind
    )
    skills, certificates = required_skills(data.skills, norm, context)
    province = region(loc.province_code, loc.province, "province")
    return JobProfile(
        job_id=data.job_id,
        employer_id=data.employer_id,
        employer_name=data.employer_name,
        employer_kind=data.employer_kind,
        title=data.title,
        skills=skills,
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
        certificates=certificates,
    )


_LEADS_TO_LICENCE = re.compile("取证|考证|证书|持证|特种作业|上岗证|操作证")


def training_profile(data: TrainingData, norm: Vocabulary) -> TrainingProfile:
    """A course's profile from a training.published payload: the trades it teaches and the licences it
    leads to (named in its skills or title: 叉车证培训, 焊工特种作业取证班)."""
    taught, certs = read_skills([(s, 1, False) for s in data.skills_taught], norm)
    named: set[str] = set()
    for text in (data.title, *data.skills_taught):
        r = norm.read(text)
        named |= {c.certificate_id for c in r.certificates}
        if _LEADS_TO_LICENCE.search(text):
            named |= {c for h in r.trades for c in norm.licences(h.trade_id)}
    loc = data.location
    province = region(loc.province_code, loc.province, "province")
    return TrainingProfile(
        training_id=data.training_id,
        title=data.title,
        skill_ids=frozenset(i for s in taught for i in s.ids()),
        lat=loc.lat,
        lon=loc.lon,
        county=region(loc.county_code, loc.county, "county", province),
        place=place_of(loc.name, loc.county, loc.province),
        seats_left=data.seats_left,
        starts_on=data.starts_on,
        subsidy_cny=data.subsidy_cny,
        status=data.status,
        taught_texts=tuple(s.text for s in taught if not s.skill_id),
        certificates=frozenset(certs | named),
    )
