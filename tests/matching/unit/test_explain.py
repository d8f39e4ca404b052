"""Explaining one pair with the ranking's own rules (no I/O)."""

from __future__ import annotations

from matching.engine.profiles import job_profile
from matching.engine.rules import FILTER_REASONS, FILTERS
from matching.explain import PASSED, explain

from tests.matching.helpers import NORM, TODAY, Engine, job, worker


def test_every_filter_has_a_passed_and_a_failed_text_in_both_languages() -> None:
    assert set(PASSED) == set(FILTERS) == set(FILTER_REASONS)
    for zh, en in (*PASSED.values(), *FILTER_REASONS.values()):
        assert zh and en and zh != en


def test_explain_agrees_with_the_ranking_and_names_what_failed() -> None:
    e = Engine()
    strong = e.add_worker(worker())
    weak = e.add_worker(worker(skills=[{"name": "缝纫工", "level": 1}]))
    far = e.add_worker(worker(max_commute_km=1))
    j = e.add_job(job())
    profile = job_profile(j, NORM)
    ranked = e.workers.rank(profile, TODAY)
    order = [r.worker_id for r in ranked]
    assert order[:2] == [strong.worker_id, weak.worker_id]
    for place, w in enumerate((strong, weak), start=1):
        got = explain(e.workers, profile, w.worker_id, TODAY, None)
        assert got is not None and got.eligible and got.rank == place
        (same,) = [r for r in ranked if r.worker_id == w.worker_id]
        assert got.score == same.score and got.breakdown == same.breakdown
        assert [r.code for r in got.reasons] == [r.code for r in same.reasons]
    away = explain(e.workers, profile, far.worker_id, TODAY, "refused")
    assert away is not None and not away.eligible and away.score is None and away.rank is None
    assert away.failed == ["reach"]
    (reach,) = [f for f in away.filters if not f.passed]
    assert reach.zh.startswith(FILTER_REASONS["reach"][0]) and "公里" in reach.zh and "km" in reach.en
    assert [r.code for r in away.reasons] == ["blocked.reach", "automation.refused"]
