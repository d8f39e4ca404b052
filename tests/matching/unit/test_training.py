"""Training offers: a course within commute, with seats, that teaches the skill blocking the best jobs."""

from __future__ import annotations

from datetime import date

from anju_common.events import Location, SkillData, WorkerData
from matching.engine.index import Blocked
from matching.engine.profiles import TrainingProfile, household_profile, worker_profile

from tests.matching.helpers import NORM, TODAY, Engine, job, training, worker


def _offer(
    e: Engine, w: WorkerData, current_best: float | None = None
) -> tuple[TrainingProfile, list[Blocked]] | None:
    p = worker_profile(w, NORM)
    return e.jobs.best_training(p, household_profile(w.household), TODAY, current_best)


def test_course_that_teaches_the_missing_skill_is_offered_with_the_jobs_it_unlocks() -> None:
    e = Engine()
    a, b = e.add_job(job()), e.add_job(job(skills=["缝纫工", "包装工"]))
    e.add_job(job(skills=["电焊"]))  # a course for sewing does not unlock welding
    course = e.add_training(training())
    packer = worker(skills=[SkillData(name="包装工", level=2)])
    found = _offer(e, packer)
    assert found is not None
    t, unlocked = found
    assert t.training_id == course.training_id
    assert {u.job.job_id for u in unlocked} == {a.job_id, b.job_id}
    assert all(u.missing == {"sewing_machinist"} for u in unlocked)


def test_no_offer_when_the_course_is_full_closed_past_or_out_of_commute() -> None:
    for course in (
        training(seats_left=0),
        training(status="closed"),
        training(starts_on=date(2026, 11, 1)),
        training(location=Location(county="贵阳市", province="贵州省", lat=26.65, lon=106.63)),
    ):
        e = Engine()
        e.add_job(job())
        e.add_training(course)
        assert _offer(e, worker(skills=[])) is None


def test_no_offer_when_jobs_are_blocked_by_something_else() -> None:
    e = Engine()
    e.add_job(job(shift="night"))
    e.add_training(training())
    assert _offer(e, worker(skills=[], caregiver=True)) is None


def test_no_offer_when_an_eligible_job_is_already_better() -> None:
    e = Engine()
    e.add_job(job())
    e.add_training(training())
    assert _offer(e, worker(skills=[]), current_best=99.0) is None
    assert _offer(e, worker(skills=[]), current_best=10.0) is not None


def test_after_the_course_the_worker_matches() -> None:
    e = Engine()
    j = e.add_job(job())
    before = worker(skills=[])
    assert e.jobs_for(before) == []
    after = before.model_copy(
        update={"skills": [SkillData(name="缝纫工", level=1, certified=True)], "version": 2}
    )
    assert [r.job_id for r in e.jobs_for(after)] == [j.job_id]
