"""Why a worker was or was not proposed a job (PIPL art. 24): the engine's own filters, score and rank."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from anju_common.events import Reason
from anju_taxonomy import Vocabulary

from matching.engine.index import WorkerIndex
from matching.engine.profiles import JobProfile, WorkerProfile
from matching.engine.rules import (
    FILTER_REASONS,
    FILTERS,
    breakdown,
    filter_reasons,
    reasons,
    skill_match,
)

# Why automatic proposals stop for a worker (staff may still propose by hand).
AUTOMATION_REASONS: dict[str, tuple[str, str]] = {
    "refused": (
        "本人已拒绝自动推荐，仅由工作人员人工推荐",
        "The worker refused automated matching; staff may still propose by hand",
    ),
    "opted_out": (
        "本人已退订短信（TD），不再自动推荐",
        "The worker opted out of SMS (TD); no automatic proposals",
    ),
}


# What each hard filter checked, said when it passed (a failure says the engine's own reason).
PASSED: dict[str, tuple[str, str]] = {
    "job_open": ("岗位在招且有空缺", "The job is open with seats left"),
    "active": ("劳动力在册", "The worker is active"),
    "not_employed": ("目前未就业", "Not employed now"),
    "age": ("年龄符合岗位和法定要求", "Age within the job's and the legal range"),
    "reach": ("通勤距离和就业地域符合", "Within commuting range and the job's region"),
    "available": ("开工前可以到岗", "Available by the start date"),
    "season": ("开工月份可以务工", "Available in the start month"),
    "caregiver_night": ("不涉及照顾家庭者的夜班", "No night shift for a caregiver"),
    "physical": ("身体条件符合岗位要求", "No conflict with physical requirements"),
    "public_welfare": ("公益性岗位安置条件符合", "Public-welfare post rules met"),
    "skills": ("具备岗位所需技能", "Has the required skills"),
    "certificate": ("持有岗位依法所需证书（或无需持证）", "Holds any licence the job legally requires"),
}


@dataclass(frozen=True)
class FilterResult:
    """One hard filter for one pair."""

    code: str
    passed: bool
    zh: str
    en: str


@dataclass
class Explanation:
    """Every hard filter, the score and its breakdown, the reasons and the rank of one worker for one job."""

    eligible: bool
    filters: list[FilterResult]
    score: float | None
    breakdown: dict[str, float]
    reasons: list[Reason]
    rank: int | None
    failed: list[str] = field(default_factory=list)
    distance_km: float | None = None


def _detail(
    name: str, worker: WorkerProfile, job: JobProfile, distance: float, vocab: Vocabulary, cutoff: float
) -> tuple[str, str]:
    """What exactly failed, for the filters where the office needs more than the rule's name."""
    if name == "skills":
        missing = skill_match(worker.skills, job.skills, cutoff, vocab).missing
        names = [vocab.label(r.skill_id, r.text) if r.skill_id else (r.text, r.text) for r in missing]
        if names:
            return "：" + "、".join(n[0] for n in names), ": " + ", ".join(n[1] for n in names)
    if name == "certificate":
        lacking = [vocab.certificate(c) for c in sorted(job.certificates - worker.certificates)]
        found = [c for c in lacking if c is not None]
        if found:
            return "：" + "、".join(c.zh for c in found), ": " + ", ".join(c.en for c in found)
    if name == "reach" and not math.isnan(distance) and not job.cross_province:
        km = round(distance, 1)
        cap = round(worker.max_commute_km, 1)
        return f"（约{km}公里，本人上限{cap}公里）", f" (about {km} km; the worker's limit is {cap} km)"
    return "", ""


def explain(
    index: WorkerIndex, job: JobProfile, worker_id: uuid.UUID, day: date, automation_off: str | None
) -> Explanation | None:
    """Evaluate one pair with the ranking's own rules and place it among the job's eligible workers."""
    with index.lock:
        row = index.row_of.get(worker_id)
        if row is None:
            return None
        worker = index.profiles[row]
        household = index.households.get(worker.household_id)
        ev = index.evaluate_rows(job, np.asarray([row], dtype=np.int64), day)
        eligible = bool(ev.eligible[0])
        distance = float(ev.distance[0])
        cutoff = index.params.fuzzy_cutoff
        failed = [name for name in FILTERS if bool(ev.failed[name][0])]
        filters = []
        for name in FILTERS:
            if name not in failed:
                filters.append(FilterResult(name, True, *PASSED[name]))
                continue
            zh, en = FILTER_REASONS[name]
            more = _detail(name, worker, job, distance, index.norm, cutoff)
            filters.append(FilterResult(name, False, zh + more[0], en + more[1]))
        parts = breakdown(ev, 0)
        score = float(ev.score[0]) if eligible else None
        if eligible:
            sm = skill_match(worker.skills, job.skills, cutoff, index.norm)
            why = reasons(worker, household, job, parts, distance, sm, index.taxonomy, day)
        else:
            why = filter_reasons(failed)
        if automation_off is not None:
            zh, en = AUTOMATION_REASONS[automation_off]
            why.append(Reason.model_construct(code=f"automation.{automation_off}", zh=zh, en=en))
        rank = _rank(index, job, row, float(ev.score[0]), day) if eligible else None
    km = None if math.isnan(distance) else round(distance, 2)
    return Explanation(eligible, filters, score, parts, why, rank, failed, km)


def _rank(index: WorkerIndex, job: JobProfile, row: int, score: float, day: date) -> int:
    """1 + the eligible workers the ranking puts first (a higher score, or the same score and a lower tie
    key, as WorkerIndex.rank orders them)."""
    rows = index.candidates(job)
    rows = rows[rows != row]
    if len(rows) == 0:
        return 1
    ev = index.evaluate_rows(job, rows, day)
    ties = np.asarray([index.tie[int(r)] for r in rows], dtype=np.int64)
    mine = index.tie[row]
    ahead = ev.eligible & ((ev.score > score) | ((ev.score == score) & (ties < mine)))
    return 1 + int(np.count_nonzero(ahead))
