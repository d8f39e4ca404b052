"""Score 0-100 from weighted components, with a breakdown and bilingual reasons on every result."""

from __future__ import annotations

from datetime import date

from anju_common.events import JobData, Location, SkillData, WorkerData
from matching.config import MatchingSettings
from matching.engine.index import Ranked
from matching.engine.rules import COMPONENTS, Params

from tests.matching.helpers import Engine, household, job, worker


def _only(w: WorkerData, j: JobData, params: Params | None = None) -> Ranked:
    e = Engine(params)
    e.add_worker(w)
    ranked: list[Ranked] = e.rank(j)
    assert len(ranked) == 1
    return ranked[0]


def test_every_result_has_score_breakdown_and_reasons_in_chinese_and_english() -> None:
    r = _only(worker(), job())
    assert 0 <= r.score <= 100
    assert set(r.breakdown) == set(COMPONENTS)
    assert all(0 <= v <= 1 for v in r.breakdown.values())
    assert r.reasons
    for reason in r.reasons:
        assert reason.zh and reason.en and reason.code
    codes = {x.code for x in r.reasons}
    assert {"skill.match", "commute.distance"} <= codes
    assert any("缝纫工" in x.zh for x in r.reasons)
    assert any("sewing" in x.en for x in r.reasons)


def test_score_is_the_weighted_mean_of_components() -> None:
    r = _only(worker(), job())
    w = Params().weights
    expected = 100 * sum(w[c] * r.breakdown[c] for c in COMPONENTS) / sum(w.values())
    assert abs(r.score - expected) < 0.05


def test_skill_level_and_certificate_raise_the_skill_component() -> None:
    low = _only(worker(skills=[SkillData(name="缝纫工", level=1)]), job())
    high = _only(worker(skills=[SkillData(name="车工", level=4)]), job())
    cert = _only(worker(skills=[SkillData(name="缝纫工", level=1, certified=True)]), job())
    assert low.breakdown["skill"] < cert.breakdown["skill"] < high.breakdown["skill"] == 1.0


def test_aliases_match_across_languages() -> None:
    r = _only(worker(skills=[SkillData(name="sewing machinist", level=3)]), job(skills=["缝纫工"]))
    assert r.breakdown["skill"] > 0.8


def test_free_text_skills_match_fuzzily() -> None:
    w = worker(skills=[SkillData(name="刺梨果脯熬制", level=3)])
    r = _only(w, job(skills=["刺梨果脯熬煮"]))
    assert 0.5 < r.breakdown["skill"] < 1.0


def test_commute_is_better_nearer() -> None:
    near = _only(
        worker(), job(location=Location(county="惠水县", province="贵州省", lat=26.131, lon=106.651))
    )
    far = _only(worker(), job(location=Location(county="惠水县", province="贵州省", lat=26.23, lon=106.65)))
    assert near.breakdown["commute"] > far.breakdown["commute"]


def test_wage_fit() -> None:
    meets = _only(worker(expected_wage_min=2500), job(wage_min=2800, wage_max=4200))
    partly = _only(worker(expected_wage_min=3500), job(wage_min=2800, wage_max=4200))
    below = _only(worker(expected_wage_min=5000), job(wage_min=2800, wage_max=4200))
    assert meets.breakdown["wage"] == 1.0
    assert 0.6 < partly.breakdown["wage"] < 1.0
    assert below.breakdown["wage"] < 0.5
    assert "wage.meets" in {x.code for x in meets.reasons}


def test_schedule_fit_caregiver_and_caregiver_friendly() -> None:
    friendly = _only(worker(caregiver=True), job(caregiver_friendly=True))
    plain = _only(worker(caregiver=True), job())
    assert friendly.breakdown["schedule"] == 1.0
    assert plain.breakdown["schedule"] < 0.5
    assert "schedule.caregiver" in {x.code for x in friendly.reasons}


def test_household_priority_zero_employment_monitoring_and_days_without_work() -> None:
    e = Engine()
    plain = e.add_worker(worker())
    recent = e.add_worker(
        worker(household=household(zero_employment=True, zero_employment_since=date(2026, 11, 20)))
    )
    long = e.add_worker(
        worker(household=household(zero_employment=True, zero_employment_since=date(2026, 8, 1)))
    )
    monitored = e.add_worker(
        worker(
            household=household(
                zero_employment=True,
                zero_employment_since=date(2026, 8, 1),
                monitoring_category="sudden_hardship",
            )
        )
    )
    order = e.ranked_ids(job(headcount=10))
    assert order == [monitored.worker_id, long.worker_id, recent.worker_id, plain.worker_id]
    top = e.rank(job())[0]
    assert {"household.zero_employment", "household.monitored"} <= {x.code for x in top.reasons}


def test_weights_come_from_settings() -> None:
    s = MatchingSettings(
        weight_skill=0, weight_commute=0, weight_wage=0, weight_schedule=0, weight_household=1
    )
    assert s.params().weights["household"] == 1
    e = Engine(s.params())
    e.add_worker(worker(skills=[SkillData(name="缝纫工", level=5)]))
    zero = e.add_worker(
        worker(
            skills=[SkillData(name="缝纫工", level=1)],
            household=household(zero_employment=True, zero_employment_since=date(2026, 8, 1)),
        )
    )
    assert e.ranked_ids(job())[0] == zero.worker_id
    e2 = Engine(MatchingSettings(weight_household=0, weight_skill=100).params())
    best = e2.add_worker(worker(skills=[SkillData(name="缝纫工", level=5)]))
    e2.add_worker(zero)
    assert e2.ranked_ids(job())[0] == best.worker_id


def test_job_loss_or_wage_arrears_raise_priority() -> None:
    from matching.engine.profiles import household_profile, job_profile, worker_profile

    from tests.matching.helpers import NORM, TODAY

    e = Engine()
    plain, hit = worker(), worker()
    e.workers.upsert(worker_profile(plain, NORM), household_profile(plain.household))
    e.workers.upsert(worker_profile(hit, NORM, risk=True), household_profile(hit.household))
    ranked = e.workers.rank(job_profile(job(), NORM), TODAY)
    assert [r.worker_id for r in ranked] == [hit.worker_id, plain.worker_id]
    assert ranked[0].breakdown["household"] > ranked[1].breakdown["household"]
    assert "household.risk_signal" in {x.code for x in ranked[0].reasons}
