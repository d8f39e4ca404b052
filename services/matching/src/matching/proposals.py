"""Proposing: the best workers for a job, the best jobs for a worker, within quotas and weekly caps."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from anju_common.clock import utcnow
from anju_common.events import EmploymentStatus, JobStatus, MatchProposed, MatchProposedData, MatchStatus
from sqlmodel import Session

from matching import repository as repo
from matching.config import MatchingSettings, get_settings
from matching.engine.index import Explainer, Ranked
from matching.engine.profiles import HouseholdProfile, JobProfile, WorkerProfile
from matching.lifecycle import OPEN_STATUSES
from matching.models import Match, emit
from matching.state import MatchingState

# How many times a job's ranking is taken again past workers at their weekly cap.
RANK_ROUNDS = 5


def balance(
    ranked: list[Ranked], quota: int, weekly: dict[uuid.UUID, int], per_week: int, by: str = "worker_id"
) -> list[Ranked]:
    """Pick up to quota proposals: skip workers at their weekly cap, spread equal scores across households."""
    pool = [r for r in ranked if weekly.get(r.worker_id, 0) < per_week]
    chosen: list[Ranked] = []
    per_household: Counter[uuid.UUID] = Counter()
    while pool and len(chosen) < quota:
        top = pool[0].score
        group = [i for i, r in enumerate(pool) if r.score == top]
        pick = min(group, key=lambda i: (per_household[pool[i].household_id], i))
        r = pool.pop(pick)
        chosen.append(r)
        per_household[r.household_id] += 1
        weekly[r.worker_id] = weekly.get(r.worker_id, 0) + 1
    return chosen


def _job_quota(settings: MatchingSettings, job: JobProfile, open_now: int) -> int:
    return max(math.ceil(settings.proposals_per_seat * max(job.seats_left, 0)) - open_now, 0)


def match_row(d: MatchProposedData, event_id: uuid.UUID, at: datetime) -> Match:
    """The stored match of a match.proposed payload (used when proposing and when rebuilding)."""
    return Match(
        id=d.match_id,
        job_id=d.job_id,
        worker_id=d.worker_id,
        household_id=d.household_id,
        site_id=d.site_id,
        employer_id=d.employer_id,
        score=d.score,
        breakdown=dict(d.breakdown),
        reasons=[r.model_dump() for r in d.reasons],
        job_title=d.job_title,
        employer_name=d.employer_name,
        wage_min=d.wage_min,
        wage_max=d.wage_max,
        place=d.place,
        proposed_event_id=event_id,
        created_at=at,
        updated_at=at,
    )


def match_values(d: MatchProposedData, event_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    """The stored match of a match.proposed payload as an insert's values (status proposed)."""
    return {
        "id": d.match_id,
        "job_id": d.job_id,
        "worker_id": d.worker_id,
        "household_id": d.household_id,
        "site_id": d.site_id,
        "employer_id": d.employer_id,
        "status": MatchStatus.proposed,
        "score": d.score,
        "breakdown": dict(d.breakdown),
        "reasons": [r.model_dump() for r in d.reasons],
        "job_title": d.job_title,
        "employer_name": d.employer_name,
        "wage_min": d.wage_min,
        "wage_max": d.wage_max,
        "place": d.place,
        "proposed_event_id": event_id,
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


def cooldown_start() -> datetime:
    """Matches that ended after this moment still keep their pair from a new automatic proposal."""
    return utcnow() - timedelta(days=get_settings().repropose_cooldown_days)


def create_match(
    session: Session,
    job: JobProfile,
    r: Ranked,
    *,
    request_id: str | None = None,
    note: str | None = None,
    actor: str = "system",
) -> Match | None:
    """Store one proposal with its first transition and its match.proposed event; the stored match, or
    None when the pair already has a live match."""
    made = create_matches(session, [(job, r)], request_id=request_id, note=note, actor=actor)
    if not made:
        return None
    match = session.get(Match, made[0])
    assert match is not None
    return match


def create_matches(
    session: Session,
    pairs: Sequence[tuple[JobProfile, Ranked]],
    *,
    request_id: str | None = None,
    note: str | None = None,
    actor: str = "system",
) -> list[uuid.UUID]:
    """Store proposals, their first transitions and their match.proposed events: one multi-row insert per
    table and one outbox write, instead of three round trips (and two ORM objects) per proposal; returns
    the new match ids. A pair that already has a live match (another replica proposed it at the same
    moment) is skipped, with no transition and no event."""
    matches: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    events: list[MatchProposed] = []
    for job, r in pairs:
        data = MatchProposedData(
            match_id=uuid.uuid4(),
            job_id=job.job_id,
            worker_id=r.worker_id,
            household_id=r.household_id,
            site_id=r.site_id,
            score=r.score,
            breakdown=dict(r.breakdown),
            reasons=list(r.reasons),
            job_title=job.title,
            employer_name=job.employer_name,
            wage_min=job.wage_min,
            wage_max=job.wage_max,
            place=job.place,
            employer_id=job.employer_id,
        )
        ev = MatchProposed.build(data, subject=data.match_id, request_id=request_id)
        matches.append(match_values(data, ev.id, ev.time))
        moves.append(
            {
                "match_id": data.match_id,
                "from_status": MatchStatus.proposed,
                "to_status": MatchStatus.proposed,
                "actor": actor,
                "note": note,
                "at": ev.time,
            }
        )
        events.append(ev)
    if not matches:
        return []
    session.flush()  # pending ORM changes first, as an autoflush would
    # Rows in pair order, so two replicas inserting overlapping pairs take the index entries in one order.
    made = repo.insert_new_matches(session, sorted(matches, key=lambda m: (m["job_id"], m["worker_id"])))
    repo.insert_transitions(session, [m for m in moves if m["match_id"] in made])
    kept = [ev for ev, m in zip(events, matches, strict=True) if m["id"] in made]
    if kept:
        emit.many(session, kept)
    return [m["id"] for m in matches if m["id"] in made]


@dataclass
class Limits:
    """Open proposals per worker (rolling week) and per job, read with their locks held and counted on as
    pairs are kept."""

    weekly: Counter[uuid.UUID]
    open_now: Counter[uuid.UUID]


def within_limits(
    session: Session, s: MatchingSettings, pairs: Sequence[tuple[JobProfile, Ranked]]
) -> list[tuple[JobProfile, Ranked]]:
    """The chosen pairs that still keep the weekly caps and the job quotas once their locks are held."""
    return _locked_limits(session, s, pairs)[0]


def _locked_limits(
    session: Session, s: MatchingSettings, pairs: Sequence[tuple[JobProfile, Ranked]]
) -> tuple[list[tuple[JobProfile, Ranked]], Limits]:
    """The pairs kept once their locks are held, and the counts after them.

    The choices were made from counts read without a lock; another replica may have proposed to the same
    workers or for the same jobs since (a job's and a worker's proposals run on different replicas). The
    locks wait for such a transaction to commit, and the counts read after them include its proposals.
    """
    if not pairs:
        return [], Limits(Counter(), Counter())
    workers = {r.worker_id for _, r in pairs}
    jobs = {job.job_id: job for job, _ in pairs}
    repo.lock_proposal_limits(session, workers, jobs)
    limits = Limits(
        Counter(repo.weekly_open_counts(session, workers, utcnow() - timedelta(days=7))),
        Counter(repo.open_counts_for_jobs(session, jobs)),
    )
    kept: list[tuple[JobProfile, Ranked]] = []
    for job, r in pairs:
        if (
            limits.weekly[r.worker_id] >= s.max_open_per_worker_week
            or _job_quota(s, job, limits.open_now[job.job_id]) <= 0
        ):
            continue
        limits.weekly[r.worker_id] += 1
        limits.open_now[job.job_id] += 1
        kept.append((job, r))
    return kept, limits


def _refill_jobs(
    session: Session,
    s: MatchingSettings,
    state: MatchingState,
    day: date,
    plans: dict[uuid.UUID, tuple[JobProfile, _Plan]],
    pairs: Sequence[tuple[JobProfile, Ranked]],
    kept: list[tuple[JobProfile, Ranked]],
    limits: Limits,
) -> list[tuple[JobProfile, Ranked]]:
    """For each job that lost a pick to another replica's proposals of that worker, the next workers.

    Their caps are locked with a try-lock (this transaction holds other locks already: waiting here could
    deadlock), so a worker another replica is proposing right now is passed over, not waited for.
    """
    tried = {(job.job_id, r.worker_id) for job, r in pairs}
    short = tried - {(job.job_id, r.worker_id) for job, r in kept}
    added: list[tuple[JobProfile, Ranked]] = []
    for job_id in sorted({j for j, _ in short}, key=str):
        job, plan = plans[job_id]
        quota = _job_quota(s, job, limits.open_now[job_id])
        if quota <= 0:
            continue
        exclude = plan.exclude | {w for j, w in tried if j == job_id}
        exclude |= {w for w, n in limits.weekly.items() if n >= s.max_open_per_worker_week}
        ranked, explain = state.workers.rank_unexplained(job, day, limit=quota * 4, exclude=exclude)
        locked = repo.try_lock_worker_caps(session, [r.worker_id for r in ranked])
        fresh = [w for w in locked if w not in limits.weekly]
        limits.weekly.update(repo.weekly_open_counts(session, fresh, utcnow() - timedelta(days=7)))
        weekly = dict(limits.weekly)
        picked = balance(
            [r for r in ranked if r.worker_id in locked], quota, weekly, s.max_open_per_worker_week
        )
        for r in explain(picked):
            limits.weekly[r.worker_id] += 1
            limits.open_now[job_id] += 1
            added.append((job, r))
    return added


class WeeklyTally:
    """Open proposals per worker in the rolling week, read once per worker and then counted in memory as
    proposals are chosen, so the jobs proposed for in one transaction share one view of the caps."""

    def __init__(self, session: Session, since: datetime) -> None:
        self.session = session
        self.since = since
        self.counts: dict[uuid.UUID, int] = {}

    def of(self, worker_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The counts, read for the workers not seen yet; `balance` adds the proposals it chooses."""
        missing = [w for w in worker_ids if w not in self.counts]
        if missing:
            stored = repo.weekly_open_counts(self.session, missing, self.since)
            for w in missing:
                self.counts[w] = stored.get(w, 0)
        return self.counts


def propose_for_job(
    session: Session,
    state: MatchingState,
    job: JobProfile,
    day: date,
    *,
    blocking: Sequence[tuple[uuid.UUID, MatchStatus]] | None = None,
) -> list[uuid.UUID]:
    """Propose the best workers for a job, within its quota and the workers' weekly caps.

    blocking: the job's matches that keep their pair (repo.blocking_matches_of_job), when the caller has
    read them already.
    """
    known = None if blocking is None else {job.job_id: list(blocking)}
    return propose_for_jobs(session, state, [job], day, blocking=known)


def propose_for_jobs(
    session: Session,
    state: MatchingState,
    jobs: Sequence[JobProfile],
    day: date,
    *,
    blocking: dict[uuid.UUID, list[tuple[uuid.UUID, MatchStatus]]] | None = None,
) -> list[uuid.UUID]:
    """Propose for several jobs in turn as propose_for_job would, each seeing the proposals chosen before
    it, with one read of their matches and one insert per table for all of them."""
    s = get_settings()
    jobs = [job for job in jobs if job.status == JobStatus.open and job.seats_left > 0]
    if not jobs:
        return []
    if blocking is None:
        blocking = repo.blocking_matches_of_jobs(session, [job.job_id for job in jobs], cooldown_start())
    tally = WeeklyTally(session, utcnow() - timedelta(days=7))
    # Every job's first ranking before any choice, so the weekly counts of all their workers are read in
    # one query; the choices are still made job after job, each seeing the proposals chosen before it.
    plans = [_plan(s, state, job, day, blocking.get(job.job_id, [])) for job in jobs]
    tally.of([r.worker_id for plan in plans if plan is not None for r in plan.first])
    pairs: list[tuple[JobProfile, Ranked]] = []
    for job, plan in zip(jobs, plans, strict=True):
        if plan is not None:
            pairs += [(job, r) for r in _choose_workers(s, state, job, day, plan, tally)]
    kept, limits = _locked_limits(session, s, pairs)
    if len(kept) < len(pairs):
        planned = {job.job_id: (job, plan) for job, plan in zip(jobs, plans, strict=True) if plan is not None}
        kept += _refill_jobs(session, s, state, day, planned, pairs, kept, limits)
    return create_matches(session, kept)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A job's quota, whom it may not propose, and its first ranking (reasons given to the chosen only)."""

    quota: int
    limit: int
    exclude: set[uuid.UUID]
    first: list[Ranked]
    explain: Explainer


def _plan(
    s: MatchingSettings,
    state: MatchingState,
    job: JobProfile,
    day: date,
    blocking: Sequence[tuple[uuid.UUID, MatchStatus]],
) -> _Plan | None:
    quota = _job_quota(s, job, sum(1 for _, status in blocking if status in OPEN_STATUSES))
    if quota <= 0:
        return None
    # Workers who refused automated matching or texted TD take none of the job's slots.
    exclude = {worker_id for worker_id, _ in blocking} | set(state.no_auto)
    limit = max(quota * 4, 50)
    first, explain = state.workers.rank_unexplained(job, day, limit=limit, exclude=exclude)
    return _Plan(quota, limit, exclude, first, explain)


def _choose_workers(
    s: MatchingSettings, state: MatchingState, job: JobProfile, day: date, plan: _Plan, tally: WeeklyTally
) -> list[Ranked]:
    quota, limit, exclude = plan.quota, plan.limit, plan.exclude
    ranked, explain = plan.first, plan.explain
    for round_ in range(RANK_ROUNDS):
        if round_:
            ranked, explain = state.workers.rank_unexplained(job, day, limit=limit, exclude=exclude)
        weekly = tally.of([r.worker_id for r in ranked])
        capped = {r.worker_id for r in ranked if weekly.get(r.worker_id, 0) >= s.max_open_per_worker_week}
        if len(ranked) - len(capped) >= quota or len(ranked) < limit or not capped:
            break
        # The best are all at their weekly cap (alike workers at a big site): rank again past them, or
        # every later job of that kind would propose nobody.
        exclude = exclude | capped
    return explain(balance(ranked, quota, weekly, s.max_open_per_worker_week))


def propose_for_worker(
    session: Session,
    state: MatchingState,
    worker: WorkerProfile,
    household: HouseholdProfile | None,
    day: date,
) -> tuple[list[uuid.UUID], float | None]:
    """Propose the best jobs for a worker within the weekly cap; returns the new match ids and the best
    eligible score."""
    s = get_settings()
    if (
        not worker.active
        or worker.employment_status == EmploymentStatus.employed
        or worker.worker_id in state.no_auto
    ):
        return [], None
    ranked = state.jobs.rank_for_worker(worker, household, day, limit=s.worker_jobs_limit)
    best = ranked[0].score if ranked else None
    cap = s.max_open_per_worker_week - repo.weekly_open_counts(
        session, [worker.worker_id], utcnow() - timedelta(days=7)
    ).get(worker.worker_id, 0)
    if cap <= 0 or not ranked:
        return [], best
    done = repo.matched_jobs(session, worker.worker_id, cooldown_start())
    candidates = [r for r in ranked if r.job_id not in done]
    open_now = repo.open_counts_for_jobs(session, [r.job_id for r in candidates])
    chosen: list[tuple[JobProfile, Ranked]] = []
    for r in candidates:
        if len(chosen) >= cap:
            break
        job = state.jobs.get(r.job_id)
        if job is None or _job_quota(s, job, open_now.get(r.job_id, 0)) <= 0:
            continue
        chosen.append((job, r))
    kept, limits = _locked_limits(session, s, chosen)
    if len(kept) < len(chosen):
        left = [r for r in candidates if r.job_id not in {j.job_id for j, _ in chosen}]
        kept += _refill_worker(session, s, state, worker.worker_id, left, limits)
    return create_matches(session, kept), best


def _refill_worker(
    session: Session,
    s: MatchingSettings,
    state: MatchingState,
    worker_id: uuid.UUID,
    left: Sequence[Ranked],
    limits: Limits,
) -> list[tuple[JobProfile, Ranked]]:
    """When another replica filled a job the worker was chosen for, her next jobs, as far as her cap goes
    (their quotas try-locked, as in _refill_jobs)."""
    cap = s.max_open_per_worker_week - limits.weekly[worker_id]
    if cap <= 0 or not left:
        return []
    locked = repo.try_lock_job_quotas(session, [r.job_id for r in left])
    limits.open_now.update(
        repo.open_counts_for_jobs(session, [j for j in locked if j not in limits.open_now])
    )
    added: list[tuple[JobProfile, Ranked]] = []
    for r in left:
        job = state.jobs.get(r.job_id)
        if len(added) >= cap or job is None or r.job_id not in locked:
            continue
        if _job_quota(s, job, limits.open_now[r.job_id]) > 0:
            limits.open_now[r.job_id] += 1
            limits.weekly[worker_id] += 1
            added.append((job, r))
    return added
