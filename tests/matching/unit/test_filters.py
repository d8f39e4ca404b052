"""Each hard filter of the ranking, one rule per test."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from anju_common.events import JobData, Location, SkillData, WorkerData
from pydantic import ValidationError

from tests.matching.helpers import SITE, TODAY, Engine, job, worker


def _ranks(w: WorkerData, j: JobData, seats_left: int | None = None) -> bool:
    e = Engine()
    e.add_worker(w)
    return w.worker_id in e.ranked_ids(j, seats_left=seats_left)


def test_baseline_worker_is_ranked() -> None:
    assert _ranks(worker(), job())


def test_closed_job_or_no_seats_ranks_nobody() -> None:
    assert not _ranks(worker(), job(status="closed"))
    assert not _ranks(worker(), job(status="filled"))
    assert not _ranks(worker(), job(), seats_left=0)
    assert not _ranks(worker(), job(headcount=2, hired_count=2))  # the jobs service counted the hires
    assert _ranks(worker(), job(headcount=2, hired_count=1))


@pytest.mark.parametrize(
    ("birth_year", "ok"),
    [(TODAY.year - 15, False), (TODAY.year - 16, True), (TODAY.year - 65, True), (TODAY.year - 66, False)],
)
def test_legal_working_age_16_to_65(birth_year: int, ok: bool) -> None:
    assert _ranks(worker(birth_year=birth_year), job()) is ok


def test_job_min_and_max_age() -> None:
    assert not _ranks(worker(birth_year=TODAY.year - 50), job(max_age=45))
    assert not _ranks(worker(birth_year=TODAY.year - 18), job(min_age=20))
    assert _ranks(worker(birth_year=TODAY.year - 40), job(min_age=20, max_age=45))


def test_age_counts_at_the_job_start() -> None:
    # 45 today, 46 when the job starts next year.
    w = worker(birth_year=TODAY.year - 45)
    assert not _ranks(w, job(max_age=45, starts_on=date(TODAY.year + 1, 3, 1)))


def test_commute_uses_haversine_distance_against_max_commute_km() -> None:
    far = job(location=Location(county="惠水县", province="贵州省", lat=26.40, lon=106.65))  # ~30 km north
    assert not _ranks(worker(max_commute_km=15), far)
    assert _ranks(worker(max_commute_km=40), far)


def test_cross_province_jobs_only_for_migrants() -> None:
    zhejiang = job(
        cross_province=True,
        dormitory=True,
        location=Location(county="义乌市", province="浙江省", lat=29.3, lon=120.07),
    )
    assert _ranks(worker(livelihood_type="migrant"), zhejiang)
    for kind in ("local", "worker_peasant", "returnee_agriculture"):
        assert not _ranks(worker(livelihood_type=kind), zhejiang), kind


def test_a_job_in_another_province_counts_as_cross_province_even_unflagged() -> None:
    other = job(location=Location(county="义乌市", province="浙江省", lat=29.3, lon=120.07))
    assert not _ranks(worker(livelihood_type="local", max_commute_km=5000), other)
    assert _ranks(worker(livelihood_type="migrant"), other)


def test_returnee_agriculture_gets_jobs_in_the_home_county_only() -> None:
    home = job(location=Location(county="紫云县", province="贵州省", lat=25.75, lon=106.08))
    near_site = job()
    returnee = worker(livelihood_type="returnee_agriculture", home_county="紫云县")
    assert _ranks(returnee, home)
    assert not _ranks(returnee, near_site)


def test_available_from_must_be_on_or_before_the_start() -> None:
    start = date(2026, 12, 1)
    assert not _ranks(worker(available_from=date(2026, 12, 15)), job(starts_on=start))
    assert _ranks(worker(available_from=date(2026, 12, 1)), job(starts_on=start))


def test_unavailable_months_block_seasonal_workers() -> None:
    w = worker(livelihood_type="worker_peasant", unavailable_months=[4, 5, 9])
    assert not _ranks(w, job(starts_on=date(2027, 4, 10)))
    assert _ranks(w, job(starts_on=date(2027, 6, 1)))
    # Without a start date the job starts now (November).
    assert not _ranks(worker(unavailable_months=[11]), job())


def test_caregivers_never_get_night_shifts() -> None:
    assert not _ranks(worker(caregiver=True), job(shift="night"))
    assert _ranks(worker(caregiver=False), job(shift="night"))
    assert _ranks(worker(caregiver=True), job(shift="flexible"))


def test_physical_requirements_against_limitations() -> None:
    heavy = job(physical_requirements=["重体力"])
    assert not _ranks(worker(physical_limitations=["不能提重物"]), heavy)
    assert _ranks(worker(physical_limitations=["恐高"]), heavy)
    assert _ranks(worker(), heavy)


def test_employed_or_inactive_workers_are_not_ranked() -> None:
    assert not _ranks(worker(employment_status="employed"), job())
    assert not _ranks(worker(active=False), job())
    assert _ranks(worker(employment_status="seasonal"), job())


def test_missing_core_skill_blocks_but_entry_level_skills_never_do() -> None:
    welder = worker(skills=[SkillData(name="电焊", level=4)])
    assert not _ranks(welder, job(skills=["缝纫工"]))
    assert _ranks(welder, job(skills=["普工", "包装工"]))
    assert _ranks(worker(skills=[]), job(skills=[]))


def test_public_welfare_posts_go_to_priority_households() -> None:
    welfare = job(employer_kind="public_welfare", skills=["保洁"])
    assert not _ranks(worker(), welfare)
    from tests.matching.helpers import household

    zero = household(zero_employment=True, zero_employment_since=date(2026, 10, 1))
    assert _ranks(worker(household=zero), welfare)
    assert _ranks(worker(household=household(monitoring_category="unstable")), welfare)


def test_gender_ethnicity_religion_do_not_exist_in_the_profile() -> None:
    for field in ("gender", "sex", "ethnicity", "nation", "religion"):
        assert field not in WorkerData.model_fields
    body = worker().model_dump()
    with pytest.raises(ValidationError):
        WorkerData(**{**body, "gender": "female"})


def test_site_scoping_of_the_ranking() -> None:
    e = Engine()
    here = e.add_worker(worker())
    other = e.add_worker(worker(site_id=uuid.uuid4()))
    from matching.engine.profiles import job_profile

    from tests.matching.helpers import NORM

    ranked = e.workers.rank(job_profile(job(), NORM), TODAY, site_ids=[SITE])
    assert [r.worker_id for r in ranked] == [here.worker_id]
    assert other.worker_id not in [r.worker_id for r in ranked]
