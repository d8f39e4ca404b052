"""Balancing proposals: weekly cap per worker, k x headcount per job, ties spread across households."""

from __future__ import annotations

import math
import uuid

from matching.config import MatchingSettings
from matching.engine.index import Ranked
from matching.engine.profiles import job_profile
from matching.proposals import _job_quota, balance

from tests.matching.helpers import NORM, job


def _r(score: float, household: uuid.UUID, worker_id: uuid.UUID | None = None) -> Ranked:
    return Ranked(worker_id or uuid.uuid4(), uuid.uuid4(), household, uuid.uuid4(), score, {}, None, ())


def test_workers_at_their_weekly_cap_are_skipped() -> None:
    busy, free = _r(90, uuid.uuid4()), _r(80, uuid.uuid4())
    chosen = balance([busy, free], 5, {busy.worker_id: 3}, per_week=3)
    assert chosen == [free]
    assert balance([busy, free], 5, {busy.worker_id: 2}, per_week=3) == [busy, free]


def test_quota_is_about_k_times_the_seats_left() -> None:
    s = MatchingSettings(proposals_per_seat=3.0)
    p = job_profile(job(headcount=4), NORM, seats_left=2)
    assert _job_quota(s, p, open_now=0) == 6
    assert _job_quota(s, p, open_now=5) == 1
    assert _job_quota(s, p, open_now=9) == 0
    assert _job_quota(MatchingSettings(proposals_per_seat=1.5), p, 0) == math.ceil(1.5 * 2)


def test_equal_scores_are_spread_across_households() -> None:
    h1, h2, h3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ranked = [_r(80, h1), _r(80, h1), _r(80, h1), _r(80, h2), _r(80, h3), _r(70, h2)]
    chosen = balance(ranked, 3, {}, per_week=3)
    assert {r.household_id for r in chosen} == {h1, h2, h3}


def test_a_better_score_still_wins_over_spreading() -> None:
    h1, h2 = uuid.uuid4(), uuid.uuid4()
    ranked = [_r(90, h1), _r(85, h1), _r(60, h2)]
    assert [r.score for r in balance(ranked, 2, {}, per_week=3)] == [90, 85]


def test_quota_limits_the_number_chosen() -> None:
    ranked = [_r(90 - i, uuid.uuid4()) for i in range(10)]
    assert len(balance(ranked, 4, {}, per_week=3)) == 4
