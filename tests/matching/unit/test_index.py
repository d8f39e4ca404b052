"""The vectorised index agrees with per-pair evaluation and never loses an eligible candidate."""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
from anju_common.events import JobData, Location, SkillData, WorkerData
from matching.engine.profiles import JobProfile, household_profile, job_profile, worker_profile
from matching.engine.rules import (
    JOB_COLUMNS,
    WORKER_COLUMNS,
    as_cols,
    evaluate,
    job_row,
    skill_match,
    worker_row,
)

from tests.matching.helpers import NORM, SITE, TODAY, Engine, household, job, worker

SKILLS = [
    "缝纫工",
    "车工",
    "电焊",
    "普工",
    "包装工",
    "保洁",
    "家政",
    "茶叶采摘",
    "电子装配",
    "苗族银饰锻制",
    "厨师",
]


_ENGINE = Engine()


def _random_world(seed: int, n: int = 250) -> tuple[Engine, list[WorkerData], list[JobData]]:
    rnd = random.Random(seed)
    e = Engine()
    workers: list[WorkerData] = []
    households = [
        household(
            zero_employment=rnd.random() < 0.2,
            zero_employment_since=date(2026, 9, 1),
            monitoring_category=rnd.choice(["none", "none", "unstable", "marginal"]),
        )
        for _ in range(n // 3)
    ]
    for _ in range(n):
        w = worker(
            household=rnd.choice(households),
            location=Location(
                site_id=SITE,
                county=rnd.choice(["惠水县", "长顺县"]),
                province="贵州省",
                lat=26.13 + rnd.uniform(-0.6, 0.6),
                lon=106.65 + rnd.uniform(-0.6, 0.6),
            ),
            birth_year=rnd.randint(1955, 2012),
            skills=[
                SkillData(name=s, level=rnd.randint(1, 5), certified=rnd.random() < 0.2)
                for s in rnd.sample(SKILLS, rnd.randint(0, 3))
            ],
            livelihood_type=rnd.choice(
                ["local", "local", "migrant", "worker_peasant", "returnee_agriculture"]
            ),
            home_county=rnd.choice(["紫云县", "惠水县"]),
            max_commute_km=rnd.choice([5.0, 15.0, 30.0, 60.0]),
            caregiver=rnd.random() < 0.3,
            expected_wage_min=rnd.choice([None, 2000, 3000, 4500]),
            unavailable_months=rnd.sample(range(1, 13), rnd.randint(0, 2)),
            physical_limitations=rnd.choice([[], [], ["不能提重物"], ["恐高"]]),
            employment_status=rnd.choice(["unemployed", "unemployed", "seasonal", "employed"]),
        )
        e.add_worker(w)
        workers.append(w)
    jobs = [
        job(
            skills=rnd.sample(SKILLS, rnd.randint(0, 2)),
            location=Location(
                county=rnd.choice(["惠水县", "紫云县"]),
                province="贵州省",
                lat=26.13 + rnd.uniform(-0.5, 0.5),
                lon=106.65 + rnd.uniform(-0.5, 0.5),
            ),
            shift=rnd.choice(["day", "night", "flexible", "part_time"]),
            caregiver_friendly=rnd.random() < 0.3,
            wage_min=2500,
            wage_max=rnd.choice([3000, 4000, 6000]),
            cross_province=rnd.random() < 0.1,
            physical_requirements=rnd.choice([[], ["重体力"]]),
            min_age=rnd.choice([16, 18]),
            max_age=rnd.choice([45, 55, 65]),
            headcount=500,
        )
        for _ in range(8)
    ]
    return e, workers, jobs


def _pair(w: WorkerData, j: JobData) -> tuple[bool, float]:
    wp = worker_profile(w, NORM)
    jp = job_profile(j, NORM)
    from matching.engine.profiles import household_profile

    names = _ENGINE.workers.names
    wc = as_cols(worker_row(wp, household_profile(w.household), names), WORKER_COLUMNS)
    jc = as_cols(job_row(jp, names), JOB_COLUMNS)
    sm = skill_match(wp.skills, jp.skills, 80.0)
    ev = evaluate(wc, jc, sm.coverage, sm.score, TODAY, _ENGINE.params)
    return bool(ev.eligible[0]), float(ev.score[0])


def test_vectorised_ranking_equals_per_pair_evaluation() -> None:
    e, workers, jobs = _random_world(7)
    for j in jobs:
        ranked = {r.worker_id: r.score for r in e.rank(j, limit=10_000)}
        expected = {}
        for w in workers:
            ok, score = _pair(w, j)
            if ok:
                expected[w.worker_id] = score
        assert ranked.keys() == expected.keys()
        for wid, score in expected.items():
            assert abs(ranked[wid] - score) < 1e-9


def test_worker_to_jobs_direction_applies_the_same_rules() -> None:
    e, workers, jobs = _random_world(11, n=60)
    for j in jobs:
        e.add_job(j)
    for w in workers:
        got = {r.job_id: r.score for r in e.jobs_for(w, limit=100)}
        want = {}
        for j in jobs:
            ok, score = _pair(w, j)
            if ok:
                want[j.job_id] = score
        assert got.keys() == want.keys()
        for jid, score in want.items():
            assert abs(got[jid] - score) < 1e-9


def test_ties_are_broken_deterministically_by_worker_id() -> None:
    e = Engine()
    same = [e.add_worker(worker()) for _ in range(20)]
    ids = e.ranked_ids(job(), limit=20)
    assert sorted(ids, key=lambda u: u.int >> 65) == ids
    e2 = Engine()
    for w in reversed(same):
        e2.add_worker(w)
    assert e2.ranked_ids(job(), limit=20) == ids
    assert e.ranked_ids(job(), limit=5) == ids[:5]


def test_updates_and_removals_change_candidates() -> None:
    e = Engine()
    w = e.add_worker(worker())
    assert e.ranked_ids(job()) == [w.worker_id]
    e.add_worker(w.model_copy(update={"skills": [SkillData(name="电焊")], "version": 2}))
    assert e.ranked_ids(job()) == []
    e.add_worker(w.model_copy(update={"version": 3}))
    assert e.ranked_ids(job()) == [w.worker_id]
    e.workers.remove(w.worker_id)
    assert e.ranked_ids(job()) == []


def test_household_update_reaches_every_member() -> None:
    e = Engine()
    hh = household()
    a = e.add_worker(worker(household=hh))
    b = e.add_worker(worker(household=hh))
    e.workers.set_household(
        household_profile(
            hh.model_copy(
                update={"zero_employment": True, "zero_employment_since": date(2026, 9, 1), "version": 2}
            )
        )
    )
    for r in e.rank(job(headcount=5)):
        assert r.breakdown["household"] > 0.5
    assert {r.worker_id for r in e.rank(job())} == {a.worker_id, b.worker_id}
    stale = household_profile(hh.model_copy(update={"version": 1}))
    e.workers.set_household(stale)
    assert all(r.breakdown["household"] > 0.5 for r in e.rank(job()))


def test_grid_candidates_cover_large_commutes() -> None:
    e = Engine()
    far = e.add_worker(
        worker(
            location=Location(site_id=SITE, county="长顺县", province="贵州省", lat=25.3, lon=106.4),
            max_commute_km=120,
        )
    )
    assert e.ranked_ids(job()) == [far.worker_id]
    assert np.isin(e.workers.row_of[far.worker_id], e.workers.candidates(job_profile(job(), NORM)))


def test_workers_without_coordinates_match_by_county() -> None:
    e = Engine()
    w = e.add_worker(worker(location=Location(site_id=SITE, county="惠水县", province="贵州省")))
    assert e.ranked_ids(job()) == [w.worker_id]
    assert e.rank(job())[0].breakdown["commute"] == 0.5
    other = job(location=Location(county="长顺县", province="贵州省", lat=26.02, lon=106.45))
    assert e.ranked_ids(other) == []


def _reach_groups(e: Engine, jp: JobProfile) -> set[int]:
    """Every row the reach groups hold for a job (grid cells, county and migrant groups), by brute force."""
    idx = e.workers
    rows: set[int] = set()
    province = idx.names.id(jp.province)
    for key, members in idx.groups.sets.items():
        if key[0] == "migrant" and (jp.cross_province or (province and key[1] and key[1] != province)):
            rows |= members
    if not jp.cross_province:
        county = idx.names.id(jp.county)
        if county:
            rows |= idx.groups.sets.get(("home", county), set())
            rows |= idx.groups.sets.get(("county", county), set())
        assert jp.lat is not None and jp.lon is not None
        r = idx.max_km
        dlat, dlon = r / 111.0, r / (111.0 * max(math.cos(math.radians(jp.lat)), 0.05))
        lo, hi = idx._cell(jp.lat - dlat, jp.lon - dlon), idx._cell(jp.lat + dlat, jp.lon + dlon)
        for (a, b), members in idx.grid.sets.items():
            if lo[0] <= a <= hi[0] and lo[1] <= b <= hi[1]:
                rows |= members
    return rows


def test_candidates_are_the_reach_groups_among_workers_holding_a_core_skill() -> None:
    e, workers, jobs = _random_world(23, n=400)
    for w in workers[:40]:  # workers without coordinates, placed by county
        e.add_worker(w.model_copy(update={"location": Location(site_id=SITE, county=w.location.county)}))
    for w in workers[40:60]:
        e.workers.remove(w.worker_id)
    checked = 0
    for j in [*jobs, *(x.model_copy(update={"cross_province": True}) for x in jobs[:3])]:
        jp = job_profile(j, NORM)
        core = [s for s in jp.skills if not s.entry_level]
        holders: set[int] = set()
        for req in core:
            for rows, _, _ in e.workers._requirement_postings(req):
                holders |= {int(r) for r in rows}
        want = _reach_groups(e, jp) & holders if core else _reach_groups(e, jp)
        got = e.workers.candidates(jp)
        assert list(got) == sorted(want)
        checked += bool(core and want)
    assert checked >= 3


def test_kept_postings_are_dropped_when_a_worker_changes() -> None:
    e = Engine()
    jp = job_profile(job(skills=["缝纫工"]), NORM)
    assert e.workers.rank(jp, TODAY) == []
    w = e.add_worker(worker(skills=[SkillData(name="平车工", level=3)]))
    assert [r.worker_id for r in e.workers.rank(jp, TODAY)] == [w.worker_id]
    e.workers.remove(w.worker_id)
    assert e.workers.rank(jp, TODAY) == []
