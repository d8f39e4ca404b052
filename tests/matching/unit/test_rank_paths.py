"""WorkerIndex.rank returns exactly what the straightforward path gives: every reach group and posting
scanned, the job's columns as arrays, each shown worker's skills compared again by skill_match."""

from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

import numpy as np
from anju_common.events import JobData, Location, SkillData, WorkerData
from matching.engine.index import WorkerIndex
from matching.engine.profiles import JobProfile, household_profile, job_profile, worker_profile
from matching.engine.rules import (
    ENTRY_CREDIT,
    JOB_COLUMNS,
    as_cols,
    breakdown,
    evaluate,
    job_reasons,
    job_row,
    reasons,
    skill_match,
)

from tests.matching.helpers import NORM, SITE, TODAY, Engine, household, job, worker
from tests.matching.unit.test_index import _reach_groups

# Trades, their neighbours (窗帘制作, 制帽工 next to 缝纫工), an ambiguous name (车工), entry-level trades,
# a licensed one (电焊), a homophone (缝韧工) and free text that only fuzzy matching reads (阿布拉卡…).
SKILLS = [
    "缝纫工",
    "平车工",
    "车工",
    "窗帘制作",
    "制帽工",
    "电焊",
    "普工",
    "包装工",
    "保洁",
    "家政",
    "茶叶采摘",
    "电子装配",
    "厨师",
    "缝韧工",
    "阿布拉卡达",
    "阿布拉卡",
]


def _world(seed: int, n: int) -> tuple[Engine, list[JobData]]:
    rnd = random.Random(seed)
    e = Engine()
    households = [
        household(
            household_id=uuid.UUID(int=rnd.getrandbits(128)),
            zero_employment=rnd.random() < 0.2,
            zero_employment_since=date(2026, rnd.randint(6, 11), 1),
            monitoring_category=rnd.choice(["none", "none", "unstable", "sudden_hardship"]),
        )
        for _ in range(n // 3)
    ]
    for k in range(n):
        placed = k % 10 != 0  # a tenth without coordinates, placed by county
        county = rnd.choice(["惠水县", "长顺县"])
        w: WorkerData = worker(
            worker_id=uuid.UUID(int=rnd.getrandbits(128)),
            household=rnd.choice(households),
            location=Location(
                site_id=SITE,
                county=county,
                province=rnd.choice(["贵州省", "贵州省", "广东省"]),
                lat=26.13 + rnd.uniform(-0.6, 0.6) if placed else None,
                lon=106.65 + rnd.uniform(-0.6, 0.6) if placed else None,
            ),
            birth_year=rnd.randint(1958, 2010),
            skills=[
                SkillData(name=s, level=rnd.randint(1, 5), certified=rnd.random() < 0.3)
                for s in rnd.sample(SKILLS, rnd.randint(0, 3))
            ],
            livelihood_type=rnd.choice(
                ["local", "local", "migrant", "worker_peasant", "returnee_agriculture"]
            ),
            home_county=rnd.choice(["紫云县", "惠水县", "长顺县"]),
            max_commute_km=rnd.choice([5.0, 15.0, 30.0, 60.0]),
            caregiver=rnd.random() < 0.3,
            expected_wage_min=rnd.choice([None, 2000, 3000, 4500, 6000]),
            unavailable_months=rnd.sample(range(1, 13), rnd.randint(0, 2)),
            physical_limitations=rnd.choice([[], [], ["不能提重物"], ["恐高"]]),
            employment_status=rnd.choice(["unemployed", "unemployed", "seasonal", "employed"]),
        )
        e.workers.upsert(worker_profile(w, NORM, risk=rnd.random() < 0.1), household_profile(w.household))
    jobs = [
        job(
            job_id=uuid.UUID(int=rnd.getrandbits(128)),
            skills=rnd.sample(SKILLS, rnd.randint(0, 3)),
            location=Location(
                county=rnd.choice(["惠水县", "长顺县", "紫云县"]),
                province="贵州省",
                lat=26.13 + rnd.uniform(-0.5, 0.5),
                lon=106.65 + rnd.uniform(-0.5, 0.5),
            ),
            shift=rnd.choice(["day", "night", "flexible", "part_time"]),
            caregiver_friendly=rnd.random() < 0.3,
            dormitory=rnd.random() < 0.5,
            wage_min=rnd.choice([2000, 2500, 3500]),
            wage_max=rnd.choice([3000, 4000, 6000]),
            cross_province=rnd.random() < 0.15,
            employer_kind=rnd.choice(["workshop", "workshop", "enterprise", "public_welfare"]),
            physical_requirements=rnd.choice([[], [], ["重体力"]]),
            min_age=rnd.choice([16, 18]),
            max_age=rnd.choice([45, 55, 65]),
            headcount=500,
        )
        for _ in range(40)
    ]
    return e, jobs


def _straightforward(idx: WorkerIndex, e: Engine, jp: JobProfile, limit: int) -> list[tuple[Any, ...]]:
    """The ranking as the engine first computed it, step by step, without anything kept or merged."""
    core = [s for s in jp.skills if not s.entry_level]
    rows_set = _reach_groups(e, jp)
    if core:
        held = {r for req in core for found, _, _ in idx._requirement_postings(req) for r in found.tolist()}
        rows_set &= held
    rows = np.asarray(sorted(rows_set), dtype=np.int64)
    if len(rows) == 0:
        return []
    n = len(rows)
    total, partial, met, n_core = np.zeros(n), np.zeros(n), np.zeros(n), 0
    for req in jp.skills:
        d, nb = np.zeros(n), np.zeros(n)
        for hit_rows, credits, neighbour in idx._requirement_postings(req):
            got = np.asarray(
                [
                    dict(zip(hit_rows.tolist(), credits.tolist(), strict=True)).get(r, 0.0)
                    for r in rows.tolist()
                ]
            )
            target = nb if neighbour >= 0 else d
            np.maximum(target, got, out=target)
        credit = np.maximum(d, nb)
        partial += np.where(nb > d, nb, 0.0)
        if req.entry_level:
            credit = np.maximum(credit, ENTRY_CREDIT)
        else:
            n_core += 1
            met += credit > 0
        total += credit
    skills = len(jp.skills)
    cov = met / n_core if n_core else np.ones(n)
    score = total / skills if skills else np.ones(n)
    part = partial / skills if skills else np.zeros(n)
    j = as_cols(job_row(jp, idx.names), JOB_COLUMNS)
    ev = evaluate(idx.store.take(rows), j, cov, score, TODAY, idx.params, skill_neighbour=part)
    order = sorted(np.nonzero(ev.eligible)[0], key=lambda i: (-ev.score[i], idx.tie[rows[i]]))[:limit]
    out = []
    for i in map(int, order):
        p = idx.profiles[rows[i]]
        h = idx.households.get(p.household_id)
        comps = breakdown(ev, i)
        dist = float(ev.distance[i])
        sm = skill_match(p.skills, jp.skills, idx.params.fuzzy_cutoff, idx.norm)
        why = reasons(p, h, jp, comps, dist, sm, idx.taxonomy, TODAY, job_reasons(jp, idx.taxonomy))
        km = None if np.isnan(dist) else round(dist, 2)
        out.append((p.worker_id, float(ev.score[i]), comps, km, tuple(why)))
    return out


def test_ranking_equals_the_straightforward_path_rows_order_scores_breakdowns_and_reasons() -> None:
    e, jobs = _world(31, 900)
    idx = e.workers
    compared = neighbours = free_text = 0
    for data in jobs:
        jp = job_profile(data, NORM)
        for limit in (50, 7):
            want = _straightforward(idx, e, jp, limit)
            got = [
                (r.worker_id, r.score, r.breakdown, r.distance_km, r.reasons)
                for r in idx.rank(jp, TODAY, limit)
            ]
            assert got == want, data.skills
            assert [list(r[2]) for r in got] == [list(r[2]) for r in want]  # same keys in the same order
            compared += len(got)
            neighbours += sum("skill_neighbour" in r[2] for r in got)
            free_text += sum(s.skill_id is None for s in jp.skills) * len(got)
    assert compared > 500 and neighbours > 0 and free_text > 0


def test_ranking_again_after_changes_gives_the_straightforward_path() -> None:
    e, jobs = _world(37, 300)
    idx = e.workers
    first = [job_profile(d, NORM) for d in jobs[:10]]
    for jp in first:
        idx.rank(jp, TODAY, 50)  # keeps the merged postings of these jobs
    rnd = random.Random(5)
    for p in rnd.sample(idx.profiles, 40):
        idx.remove(p.worker_id)
    e.add_worker(worker(skills=[SkillData(name="缝纫工", level=4)], max_commute_km=60.0))
    for jp in first:
        want = _straightforward(idx, e, jp, 50)
        got = [(r.worker_id, r.score, r.breakdown, r.distance_km, r.reasons) for r in idx.rank(jp, TODAY, 50)]
        assert got == want


def test_pairs_explained_after_ranking_get_the_reasons_ranking_gives_them() -> None:
    e, jobs = _world(41, 600)
    idx = e.workers
    explained = 0
    rnd = random.Random(9)
    for data in jobs:
        jp = job_profile(data, NORM)
        full = idx.rank(jp, TODAY, 40)
        bare, explain = idx.rank_unexplained(jp, TODAY, 40)
        assert [(r.worker_id, r.score, r.breakdown, r.distance_km) for r in bare] == [
            (r.worker_id, r.score, r.breakdown, r.distance_km) for r in full
        ]
        assert all(r.reasons == () for r in bare)
        # a proposer's choice: some of them, not the top ones only, in its own order
        chosen = rnd.sample(bare, min(len(bare), 7))
        assert explain(chosen) == [next(f for f in full if f.worker_id == r.worker_id) for r in chosen]
        explained += len(chosen)
    assert explained > 100
