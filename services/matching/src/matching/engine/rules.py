"""Hard filters, score components and reasons, written once over numpy arrays.

Every function takes a worker side and a job side as dicts of arrays that broadcast: ranking workers for
a job passes worker arrays of length n and job arrays of length 1, ranking jobs for a worker the other way
round, explaining one pair passes length 1 on both sides. So both directions apply the very same rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from anju_common.events import EmployerKind, EmploymentStatus, LivelihoodType, Reason, Shift
from anju_taxonomy import Vocabulary
from numpy.typing import NDArray
from rapidfuzz import fuzz

from matching.engine.profiles import (
    EMPLOYMENT,
    LIVELIHOOD,
    MONITORING,
    SHIFT,
    HouseholdProfile,
    JobProfile,
    RequiredSkill,
    WorkerProfile,
    WorkerSkill,
)

Cols = Mapping[str, NDArray[Any]]
LEGAL_MIN_AGE = 16
LEGAL_MAX_AGE = 65
ENTRY_CREDIT = 0.8
COMPONENTS = ("skill", "commute", "wage", "schedule", "household")
FILTERS = (
    "job_open",
    "active",
    "not_employed",
    "age",
    "reach",
    "available",
    "season",
    "caregiver_night",
    "physical",
    "public_welfare",
    "skills",
    "certificate",
)
RISK_BONUS = 0.15  # recent job loss or wage arrears
_MONITORING_BONUS = np.array([0.0, 0.25, 0.2, 0.3])  # none, unstable, marginal, sudden_hardship
_EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Params:
    """Tunable parts of the ranking (the service fills them from settings)."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "skill": 40.0,
            "commute": 15.0,
            "wage": 15.0,
            "schedule": 10.0,
            "household": 20.0,
        }
    )
    min_skill_coverage: float = 0.5
    fuzzy_cutoff: float = 80.0
    grid_degrees: float = 0.25
    max_commute_cap_km: float = 300.0


def level_credit(level: int, certified: bool) -> float:
    """How well a held skill covers a requirement: level 1 = 0.7 .. level 4+ = 1.0; a certificate adds 0.1."""
    return min(1.0, 0.6 + 0.1 * level + (0.1 if certified else 0.0))


# ------------------------------------------------------------------ columns
class Interner:
    """Small integer ids for region names (0 = unknown) and bits for physical terms."""

    def __init__(
        self, physical_ids: list[str] | None = None, certificate_ids: list[str] | None = None
    ) -> None:
        self._ids: dict[str, int] = {}
        self._bits: dict[str, int] = {}
        self._cert_bits: dict[str, int] = {}
        for term in physical_ids or []:
            self.bit(term)
        for cert in certificate_ids or []:
            self.cert_bit(cert)

    def cert_bit(self, cert: str) -> int:
        """Bit of a certificate. Past 62 certificates they share the last bit, so a job needing one of
        those also accepts a worker holding another of them: the vocabulary has 40 mandatory ones."""
        if cert not in self._cert_bits:
            self._cert_bits[cert] = min(len(self._cert_bits), 62)
        return self._cert_bits[cert]

    def cert_mask(self, certs: frozenset[str]) -> int:
        """Bit mask of a set of certificates."""
        out = 0
        for cert in certs:
            out |= 1 << self.cert_bit(cert)
        return out

    def id(self, value: str | None) -> int:
        """Id of a region name."""
        if not value:
            return 0
        return self._ids.setdefault(value, len(self._ids) + 1)

    def bit(self, term: str) -> int:
        """Bit of a physical term; past 62 terms they share one bit (may over-block, never under-block)."""
        if term not in self._bits:
            self._bits[term] = min(len(self._bits), 62)
        return self._bits[term]

    def mask(self, terms: frozenset[str]) -> int:
        """Bit mask of a set of physical terms."""
        out = 0
        for term in terms:
            out |= 1 << self.bit(term)
        return out


WORKER_COLUMNS: dict[str, Any] = {
    "lat": np.float64,
    "lon": np.float64,
    "max_km": np.float64,
    "birth_year": np.int32,
    "live": np.int8,
    "caregiver": np.bool_,
    "limits": np.int64,
    "wage": np.float64,
    "avail": np.int64,
    "unavail": np.int32,
    "employ": np.int8,
    "active": np.bool_,
    "province": np.int32,
    "county": np.int32,
    "home_county": np.int32,
    "zero": np.bool_,
    "zero_since": np.int64,
    "monitoring": np.int8,
    "risk": np.bool_,
    "certs": np.int64,
}
JOB_COLUMNS: dict[str, Any] = {
    "lat": np.float64,
    "lon": np.float64,
    "province": np.int32,
    "county": np.int32,
    "cross": np.bool_,
    "dormitory": np.bool_,
    "shift": np.int8,
    "cg_friendly": np.bool_,
    "min_age": np.int32,
    "max_age": np.int32,
    "reqs": np.int64,
    "wage_min": np.float64,
    "wage_max": np.float64,
    "start": np.int64,
    "start_year": np.int32,
    "start_month": np.int32,
    "open": np.bool_,
    "welfare": np.bool_,
    "certs": np.int64,
}


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def worker_row(w: WorkerProfile, h: HouseholdProfile | None, names: Interner) -> dict[str, Any]:
    """Column values of one worker."""
    unavail = 0
    for month in w.unavailable_months:
        unavail |= 1 << month
    return {
        "lat": _nan(w.lat),
        "lon": _nan(w.lon),
        "max_km": max(w.max_commute_km, 0.0),
        "birth_year": w.birth_year,
        "live": LIVELIHOOD[w.livelihood],
        "caregiver": w.caregiver,
        "limits": names.mask(w.limitations),
        "wage": _nan(w.expected_wage_min),
        "avail": w.available_from.toordinal() if w.available_from else -1,
        "unavail": unavail,
        "employ": EMPLOYMENT[w.employment_status],
        "active": w.active,
        "province": names.id(w.province),
        "county": names.id(w.county),
        "home_county": names.id(w.home_county),
        "risk": w.risk,
        "certs": names.cert_mask(w.certificates),
        **household_row(h),
    }


def household_row(h: HouseholdProfile | None) -> dict[str, Any]:
    """Column values that come from the household."""
    if h is None:
        return {"zero": False, "zero_since": -1, "monitoring": 0}
    since = h.zero_employment_since
    return {
        "zero": h.zero_employment,
        "zero_since": since.toordinal() if since else -1,
        "monitoring": MONITORING[h.monitoring],
    }


def job_row(j: JobProfile, names: Interner) -> dict[str, Any]:
    """Column values of one job."""
    start = j.starts_on
    return {
        "lat": _nan(j.lat),
        "lon": _nan(j.lon),
        "province": names.id(j.province),
        "county": names.id(j.county),
        "cross": j.cross_province,
        "dormitory": j.dormitory,
        "shift": SHIFT[j.shift],
        "cg_friendly": j.caregiver_friendly,
        "min_age": j.min_age,
        "max_age": j.max_age,
        "reqs": names.mask(j.requirements),
        "wage_min": float(j.wage_min),
        "wage_max": float(j.wage_max),
        "start": start.toordinal() if start else -1,
        "start_year": start.year if start else -1,
        "start_month": start.month if start else -1,
        "open": j.status == "open" and j.seats_left > 0,
        "welfare": j.employer_kind == EmployerKind.public_welfare,
        "certs": names.cert_mask(j.certificates),
    }


def as_cols(row: dict[str, Any], spec: dict[str, Any]) -> dict[str, NDArray[Any]]:
    """One row as length-1 arrays."""
    return {k: np.asarray([row[k]], dtype=dt) for k, dt in spec.items()}


# ------------------------------------------------------------------ geometry
def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> NDArray[np.float64]:
    """Great-circle distance in km (nan when a coordinate is unknown)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * _EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))), dtype=np.float64)


# ------------------------------------------------------------------ skills
@dataclass(frozen=True, slots=True)
class Neighbour:
    """Partial credit a held trade earns for a neighbouring one the job asks for, and why."""

    required: str
    held: str
    credit: float
    why_zh: str
    why_en: str


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """How a worker's skills cover a job's: coverage of core skills, mean credit, and what is missing."""

    coverage: float
    score: float
    matched: tuple[tuple[RequiredSkill, float], ...]
    missing: tuple[RequiredSkill, ...]
    neighbours: tuple[Neighbour, ...] = ()
    neighbour_credit: float = 0.0  # share of the mean credit that came from neighbouring trades


def skill_match(
    held: tuple[WorkerSkill, ...],
    required: tuple[RequiredSkill, ...],
    cutoff: float,
    vocab: Vocabulary | None = None,
) -> SkillMatch:
    """Per-pair skill coverage: ids compared exactly, neighbouring trades for partial credit, free text
    fuzzily; entry-level skills never block."""
    if not required:
        return SkillMatch(1.0, 1.0, (), ())
    by_id: dict[str, float] = {}
    for s in held:
        for ident in s.ids():
            by_id[ident] = max(by_id.get(ident, 0.0), level_credit(s.level, s.certified))
    total = partial = 0.0
    core = met = 0
    matched: list[tuple[RequiredSkill, float]] = []
    missing: list[RequiredSkill] = []
    near: list[Neighbour] = []
    for req in required:
        direct = max((by_id.get(i, 0.0) for i in (req.skill_id, *req.also) if i), default=0.0)
        credit = direct
        if req.skill_id and vocab is not None:
            best: Neighbour | None = None
            for other, rel, why_zh, why_en in vocab.neighbours(req.skill_id):
                got = by_id.get(other, 0.0) * rel
                if got > credit:
                    credit, best = got, Neighbour(req.skill_id, other, rel, why_zh, why_en)
            if best is not None:
                near.append(best)
                partial += credit
        if req.entry_level:
            credit = max(ENTRY_CREDIT, credit)
        elif not req.skill_id:
            for s in held:
                ratio = fuzz.ratio(req.text, s.text, score_cutoff=cutoff)
                if ratio:
                    credit = max(credit, level_credit(s.level, s.certified) * ratio / 100.0)
        if not req.entry_level:
            core += 1
            met += credit > 0
        total += credit
        (matched.append((req, credit)) if credit > 0 else missing.append(req))
    coverage = met / core if core else 1.0
    n = len(required)
    return SkillMatch(coverage, total / n, tuple(matched), tuple(missing), tuple(near), partial / n)


# ------------------------------------------------------------------ filters and components
@dataclass(frozen=True)
class Evaluation:
    """Filters, components and score of some worker-job pairs (arrays broadcast from both sides)."""

    eligible: NDArray[np.bool_]
    failed: dict[str, NDArray[np.bool_]]
    components: dict[str, NDArray[np.float64]]
    score: NDArray[np.float64]
    distance: NDArray[np.float64]
    skill_neighbour: NDArray[np.float64]  # part of the skill component earned by neighbouring trades
    matrix: NDArray[np.float64] | None = None  # the components as rows (COMPONENTS order), when 2-d


def _where(cond: Any, a: Any, b: Any) -> Any:
    """np.where, or one side when the condition is a single truth value (a job's side given as scalars)."""
    if cond is True:
        return a
    if cond is False:
        return b
    return np.where(cond, a, b)


def _and(a: Any, b: Any) -> Any:
    """a & b, without an array operation when either side is a single truth value."""
    if a is False or b is False:
        return False
    if a is True:
        return b
    return a if b is True else a & b


def _or(a: Any, b: Any) -> Any:
    """a | b, without an array operation when either side is a single truth value."""
    if a is True or b is True:
        return True
    if a is False:
        return b
    return a if b is False else a | b


def _not(a: Any) -> Any:
    """Negation of a truth value or of a boolean array."""
    return (not a) if isinstance(a, bool) else ~a


def _covers(held: Any, wanted: Any) -> Any:
    """Whether the bit masks held contain every bit of wanted (always, when nothing is wanted)."""
    if isinstance(wanted, int) and wanted == 0:
        return True
    return (held & wanted) == wanted


def _disjoint(a: Any, b: Any) -> Any:
    """Whether two bit masks share no bit (always, when one of them is a plain 0)."""
    if isinstance(b, int) and b == 0:
        return True
    return (a & b) == 0


def evaluate(
    w: Cols,
    j: Cols | Mapping[str, Any],
    skill_cov: Any,
    skill_score: Any,
    today: date,
    params: Params,
    *,
    check_certificates: bool = True,
    skill_neighbour: Any = 0.0,
) -> Evaluation:
    """Apply every hard filter and compute every component for the broadcast pairs.

    Either side may also be plain Python values (job_row of the one job a ranking is for): the conditions
    that depend on that side alone are then decided once instead of once per pair."""
    t = today.toordinal()
    with np.errstate(invalid="ignore", divide="ignore"):
        start = _where(j["start"] < 0, t, j["start"])
        year = _where(j["start_year"] < 0, today.year, j["start_year"])
        month = _where(j["start_month"] < 0, today.month, j["start_month"])
        age = year - w["birth_year"]
        dist = haversine_km(w["lat"], w["lon"], j["lat"], j["lon"])
        known = ~np.isnan(dist)
        migrant = w["live"] == LIVELIHOOD[LivelihoodType.migrant]
        returnee = w["live"] == LIVELIHOOD[LivelihoodType.returnee_agriculture]
        peasant = w["live"] == LIVELIHOOD[LivelihoodType.worker_peasant]
        cross = _or(
            j["cross"],
            _and(_and(j["province"] != 0, w["province"] != 0), j["province"] != w["province"]),
        )
        home = _and(j["county"] != 0, j["county"] == w["home_county"])
        same_county = _and(j["county"] != 0, j["county"] == w["county"])
        local = np.where(known, dist <= w["max_km"], same_county)
        shift = j["shift"]
        night = shift == SHIFT[Shift.night]
        flexible = _or(shift == SHIFT[Shift.flexible], shift == SHIFT[Shift.part_time])
        day = shift == SHIFT[Shift.day]
        zero_days = np.where(w["zero"] & (w["zero_since"] >= 0), t - w["zero_since"], 0)
        monitored = w["monitoring"] != 0
        passed = {
            "job_open": j["open"],
            "active": w["active"],
            "not_employed": w["employ"] != EMPLOYMENT[EmploymentStatus.employed],
            "age": (age >= np.maximum(j["min_age"], LEGAL_MIN_AGE))
            & (age <= np.minimum(j["max_age"], LEGAL_MAX_AGE)),
            "reach": _where(cross, migrant, np.where(returnee, home, local)),
            "available": w["avail"] <= start,
            "season": ((w["unavail"] >> month) & 1) == 0,
            "caregiver_night": _not(_and(w["caregiver"], night)),
            "physical": _disjoint(w["limits"], j["reqs"]),
            "public_welfare": _or(_not(j["welfare"]), w["zero"] | monitored),
            "skills": np.asarray(skill_cov) >= params.min_skill_coverage,
            # A job whose trade legally needs a licence takes only workers holding it.
            "certificate": _covers(w["certs"], j["certs"]) if check_certificates else True,
        }
        e = w["wage"]
        wage = np.where(
            np.isnan(e) | (e <= 0),
            0.7,
            np.where(
                j["wage_min"] >= e,
                1.0,
                np.where(
                    j["wage_max"] >= e,
                    0.6 + 0.4 * (j["wage_max"] - e) / np.maximum(j["wage_max"] - j["wage_min"], 1.0),
                    np.clip(0.5 - 2.0 * (e - j["wage_max"]) / np.maximum(e, 1.0), 0.0, 0.5),
                ),
            ),
        )
        commute = _where(
            cross,
            _where(j["dormitory"], 1.0, 0.5),
            np.where(
                returnee,
                1.0,
                np.where(known, np.clip(1.0 - 0.8 * dist / np.maximum(w["max_km"], 1e-6), 0.0, 1.0), 0.5),
            ),
        )
        schedule = np.where(
            w["caregiver"],
            _where(j["cg_friendly"], 1.0, _where(flexible, 0.8, 0.3)),
            np.where(
                peasant,
                _where(flexible, 1.0, _where(day, 0.7, 0.4)),
                _where(_or(day, shift == SHIFT[Shift.flexible]), 1.0, _where(night, 0.6, 0.7)),
            ),
        )
        household = np.clip(
            np.where(w["zero"], 0.5 + 0.2 * np.clip(zero_days / 30.0, 0.0, 1.0), 0.0)
            + _MONITORING_BONUS[w["monitoring"]]
            + np.where(w["risk"], RISK_BONUS, 0.0),
            0.0,
            1.0,
        )
    values = {
        "skill": skill_score,
        "commute": commute,
        "wage": wage,
        "schedule": schedule,
        "household": household,
    }
    shape = _common_shape([getattr(v, "shape", ()) for v in (*passed.values(), *values.values())])
    # One array per kind, filled row by row (a row per component or filter): a few assignments instead of
    # an operation per filter and component, and the dicts hold read-only views of it.
    matrix = np.empty((len(COMPONENTS), *shape), dtype=np.float64)
    total_weight = sum(params.weights.get(c, 0.0) for c in COMPONENTS) or 1.0
    score = np.zeros(shape, dtype=np.float64)
    for k, name in enumerate(COMPONENTS):
        matrix[k] = values[name]
        score += params.weights.get(name, 0.0) * matrix[k]
    score = np.round(100.0 * score / total_weight, 2)
    ok = np.empty((len(FILTERS), *shape), dtype=np.bool_)
    for k, name in enumerate(FILTERS):
        ok[k] = passed[name]
    eligible: NDArray[np.bool_] = np.asarray(ok.all(axis=0))
    failed_all = ~ok
    matrix.flags.writeable = False
    failed_all.flags.writeable = False
    failed = {name: failed_all[k] for k, name in enumerate(FILTERS)}
    components = {name: matrix[k] for k, name in enumerate(COMPONENTS)}
    neighbour = _broadcast(np.asarray(skill_neighbour, dtype=np.float64), shape)
    return Evaluation(eligible, failed, components, score, _broadcast(dist, shape), neighbour, matrix)


def _common_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """np.broadcast_shapes for the usual case of scalars and 1-d arrays of length 1 or n, without its cost
    (it was a tenth of ranking a job)."""
    lengths = set()
    for s in shapes:
        if len(s) > 1:
            return np.broadcast_shapes(*shapes)
        if s:
            lengths.add(s[0])
    if not lengths:
        return ()
    if len(lengths) > 1:
        lengths.discard(1)
    if len(lengths) > 1:
        return np.broadcast_shapes(*shapes)
    return (lengths.pop(),)


def _broadcast(a: NDArray[Any], shape: tuple[int, ...]) -> NDArray[Any]:
    """a as a read-only array of the shape; broadcast only when its shape differs."""
    if a.shape != shape:
        return np.broadcast_to(a, shape)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def breakdown(ev: Evaluation, i: int) -> dict[str, float]:
    """Component values of pair i, 0..1 rounded for display; skill_neighbour when neighbouring trades
    gave part of the skill credit."""
    out = {name: round(float(ev.components[name][i]), 4) for name in COMPONENTS}
    part = round(float(ev.skill_neighbour[i]), 4)
    if part > 0:
        out["skill_neighbour"] = part
    return out


def breakdowns(ev: Evaluation, idx: NDArray[np.int64]) -> list[dict[str, float]]:
    """Component values of several pairs at once."""
    if ev.matrix is not None and ev.matrix.ndim == 2:
        rows = np.round(ev.matrix[:, idx], 4).tolist()  # one rounding for every component
    else:
        rows = [np.round(ev.components[name][idx], 4).tolist() for name in COMPONENTS]
    part = np.round(ev.skill_neighbour[idx], 4).tolist()
    out = [dict(zip(COMPONENTS, values, strict=True)) for values in zip(*rows, strict=True)]
    for k, value in enumerate(part):
        if value > 0:
            out[k]["skill_neighbour"] = value
    return out


# ------------------------------------------------------------------ reasons
FILTER_REASONS: dict[str, tuple[str, str]] = {
    "job_open": ("岗位已关闭或已招满", "The job is closed or has no seats left"),
    "active": ("劳动力已退出", "The worker is no longer active"),
    "not_employed": ("已就业", "Already employed"),
    "age": ("年龄不符合岗位或法定要求", "Age outside the job's or the legal range"),
    "reach": ("通勤距离或就业地域不符", "Outside commuting range or job region"),
    "available": ("到岗时间不符", "Not available by the start date"),
    "season": ("该月份不便外出务工", "Not available in the start month (seasonal work)"),
    "caregiver_night": ("需照顾家庭，不安排夜班", "Caregivers are never offered night shifts"),
    "physical": ("身体条件与岗位要求不符", "Physical requirements conflict with limitations"),
    "public_welfare": ("公益性岗位优先安置困难家庭", "Public-welfare posts go to priority households"),
    "skills": ("缺少岗位所需技能", "Missing a required skill"),
    "certificate": (
        "岗位依法须持证上岗，未登记所需证书",
        "The job legally requires a licence the worker has not recorded",
    ),
}


_REASONS: dict[tuple[str, str, str], Reason] = {}


def _reason(*, code: str, zh: str, en: str) -> Reason:
    """A reason, built once per text: reasons are frozen and the same few repeat across every ranking."""
    key = (code, zh, en)
    found = _REASONS.get(key)
    if found is None:
        if len(_REASONS) >= 100_000:
            _REASONS.clear()
        found = _REASONS[key] = Reason.model_construct(code=code, zh=zh, en=en)
    return found


def filter_reasons(failed: list[str]) -> list[Reason]:
    """Why a pair is not eligible."""
    return [_reason(code=f"blocked.{n}", zh=FILTER_REASONS[n][0], en=FILTER_REASONS[n][1]) for n in failed]


@dataclass(frozen=True, slots=True)
class JobReasons:
    """The parts of a job's reasons that are the same for every worker, worked out once per ranking."""

    core_ids: frozenset[str]
    read_as: tuple[Reason, ...]
    certificates: Reason | None  # "holds the licence the job requires", when the job requires one


def job_reasons(job: JobProfile, taxonomy: Vocabulary) -> JobReasons:
    """What every worker's reasons for this job share."""
    read_as = tuple(
        _reason(code="skill.read_as", zh=req.read_as[0], en=req.read_as[1])
        for req in job.skills
        if req.read_as is not None
    )
    held: Reason | None = None
    if job.certificates:
        certs = [c for c in map(taxonomy.certificate, sorted(job.certificates)) if c]
        held = _reason(
            code="certificate.held",
            zh="持有岗位依法所需证书：" + "、".join(c.zh for c in certs),
            en="Holds the licence the job legally requires: " + ", ".join(c.en for c in certs),
        )
    return JobReasons(frozenset(job.core_skill_ids()), read_as, held)


def reasons(
    worker: WorkerProfile,
    household: HouseholdProfile | None,
    job: JobProfile,
    comps: Mapping[str, float],
    distance: float,
    skills: SkillMatch,
    taxonomy: Vocabulary,
    today: date,
    prepared: JobReasons | None = None,
) -> list[Reason]:
    """Short reasons for a ranked pair, in Chinese and English (prepared: the job's shared part, when
    ranking many workers for one job)."""
    if prepared is None:
        prepared = job_reasons(job, taxonomy)
    out: list[Reason] = []
    held_ids = prepared.core_ids
    if skills.neighbours:
        near = {n.required for n in skills.neighbours}
        direct = [(r, c) for r, c in skills.matched if r.skill_id not in near]
    else:
        direct = list(skills.matched)
    if direct:
        names = [taxonomy.label(r.skill_id, r.text) for r, _ in direct[:3]]
        level = max((s.level for s in worker.skills if s.skill_id in held_ids), default=0)
        lvl_zh = f"（{level}级）" if level > 1 else ""
        lvl_en = f" (level {level})" if level > 1 else ""
        out.append(
            _reason(
                code="skill.match",
                zh="技能匹配：" + "、".join(n[0] for n in names) + lvl_zh,
                en="Skills match: " + ", ".join(n[1] for n in names) + lvl_en,
            )
        )
    elif not job.skills:
        out.append(_NONE_REQUIRED)
    for n in skills.neighbours[:2]:
        req_zh, req_en = taxonomy.label(n.required)
        held_zh, held_en = taxonomy.label(n.held)
        pct = round(n.credit * 100)
        out.append(
            _reason(
                code="skill.neighbour",
                zh=f"相近工种：{held_zh}可部分胜任{req_zh}（计{pct}%）"
                + (f"，{n.why_zh}" if n.why_zh else ""),
                en=f"Neighbouring trade: {held_en} partly covers {req_en} ({pct}% credit)"
                + (f"; {n.why_en}" if n.why_en else ""),
            )
        )
    out.extend(prepared.read_as)
    for s in worker.skills:
        if s.also and s.skill_id and (s.skill_id in held_ids or held_ids & set(s.also)):
            chosen = s.skill_id if s.skill_id in held_ids else sorted(held_ids & set(s.also))[0]
            zh, en = taxonomy.label(chosen)
            out.append(
                _reason(
                    code="skill.read_as",
                    zh=f"“{s.text}”有多种含义，按岗位理解为{zh}",
                    en=f"'{s.text}' can mean several trades; read as {en} to fit the job",
                )
            )
    if prepared.certificates is not None and job.certificates <= worker.certificates:
        out.append(prepared.certificates)
    cross = job.cross_province or bool(job.province and worker.province and job.province != worker.province)
    if cross:
        dorm_zh, dorm_en = ("，提供住宿", " with dormitory") if job.dormitory else ("", "")
        out.append(
            _reason(
                code="commute.cross_province",
                zh="跨省劳务协作" + dorm_zh,
                en="Cross-province labour cooperation" + dorm_en,
            )
        )
    elif worker.livelihood == LivelihoodType.returnee_agriculture:
        out.append(_HOME_COUNTY)
    elif not math.isnan(distance):
        out.append(_distance_reason(round(distance, 1)))
    if comps.get("wage", 0) >= 0.999 and worker.expected_wage_min:
        out.append(_WAGE_MEETS)
    elif comps.get("wage", 1) < 0.5:
        out.append(_WAGE_BELOW)
    if worker.caregiver and (job.caregiver_friendly or job.shift in (Shift.flexible, Shift.part_time)):
        out.append(_CAREGIVER)
    if household and household.zero_employment:
        days = (today - household.zero_employment_since).days if household.zero_employment_since else 0
        out.append(_zero_employment_reason(days))
    if worker.risk:
        out.append(_RISK)
    if household and household.monitoring != "none":
        out.append(_MONITORED)
    return out


# The reasons whose text never changes, built once; the ones with a number, once per number.
_NONE_REQUIRED = _reason(code="skill.none_required", zh="无技能要求", en="No skill required")
_HOME_COUNTY = _reason(code="commute.home_county", zh="在户籍所在县", en="In the home county")
_WAGE_MEETS = _reason(code="wage.meets", zh="工资达到期望", en="Wage meets expectation")
_WAGE_BELOW = _reason(code="wage.below", zh="工资低于期望", en="Wage below expectation")
_CAREGIVER = _reason(
    code="schedule.caregiver",
    zh="家门口弹性工作，便于照顾家庭",
    en="Flexible hours near home for a caregiver",
)
_RISK = _reason(
    code="household.risk_signal",
    zh="近期失业或被欠薪，优先推荐",
    en="Recent job loss or wage arrears",
)
_MONITORED = _reason(
    code="household.monitored", zh="防返贫监测户优先", en="Household under poverty-return monitoring"
)
_DISTANCES: dict[float, Reason] = {}
_ZERO_DAYS: dict[int, Reason] = {}


def _distance_reason(km: float) -> Reason:
    """'About km away', built once per distance."""
    found = _DISTANCES.get(km)
    if found is None:
        if len(_DISTANCES) >= 100_000:
            _DISTANCES.clear()
        zh, en = f"距离约{km}公里", f"About {km} km away"
        found = _DISTANCES[km] = _reason(code="commute.distance", zh=zh, en=en)
    return found


def _zero_employment_reason(days: int) -> Reason:
    """'Zero-employment household first (days)', built once per number of days."""
    found = _ZERO_DAYS.get(days)
    if found is None:
        if len(_ZERO_DAYS) >= 10_000:
            _ZERO_DAYS.clear()
        found = _ZERO_DAYS[days] = _reason(
            code="household.zero_employment",
            zh=f"零就业家庭优先（{days}天）",
            en=f"Zero-employment household first ({days} days)",
        )
    return found
