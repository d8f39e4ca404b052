"""Business rules of the matching service; callers own the transaction (one per event or request)."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from anju_common.errors import ConflictError, ForbiddenError, NotFoundError
from anju_common.events import (
    EmployerKind,
    EmploymentChangedData,
    EmploymentStatus,
    Event,
    HouseholdData,
    JobClosedData,
    JobData,
    JobStatus,
    MatchProposed,
    MatchProposedData,
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    ReplyKind,
    TrainingData,
    TrainingOffered,
    TrainingOfferedData,
    WorkerData,
    WorkerDeactivatedData,
    WorkerRepliedData,
    ZeroEmploymentAlerted,
    ZeroEmploymentAlertedData,
)
from anju_common.logs import get_logger
from anju_common.outbox import record_event
from anju_common.principal import Principal
from sqlmodel import Session

from matching import repository as repo
from matching.config import MatchingSettings, get_settings
from matching.engine.index import Ranked, within_reach
from matching.engine.profiles import (
    HouseholdProfile,
    JobProfile,
    TrainingProfile,
    WorkerProfile,
    household_profile,
    job_profile,
    training_profile,
    worker_profile,
)
from matching.models import (
    HouseholdView,
    JobView,
    Match,
    MatchTransition,
    TrainingOffer,
    TrainingView,
    WorkerView,
    event_tables,
)
from matching.state import MatchingState, after_commit, household_from_view

log = get_logger(__name__)

# Legal status transitions; anything else is a 409.
TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    MatchStatus.proposed: frozenset(
        {MatchStatus.notified, MatchStatus.interested, MatchStatus.declined, MatchStatus.expired}
    ),
    MatchStatus.notified: frozenset({MatchStatus.interested, MatchStatus.declined, MatchStatus.expired}),
    MatchStatus.interested: frozenset({MatchStatus.referred, MatchStatus.declined, MatchStatus.expired}),
    MatchStatus.referred: frozenset({MatchStatus.hired, MatchStatus.rejected, MatchStatus.expired}),
    MatchStatus.hired: frozenset({MatchStatus.left}),
    MatchStatus.declined: frozenset(),
    MatchStatus.rejected: frozenset(),
    MatchStatus.expired: frozenset(),
    MatchStatus.left: frozenset(),
}
EMPLOYER_MAY_SET = frozenset({MatchStatus.hired, MatchStatus.rejected, MatchStatus.left})


def _now() -> datetime:
    return datetime.now(UTC)


def today(settings: MatchingSettings | None = None) -> date:
    """Today in the service's time zone."""
    from zoneinfo import ZoneInfo

    s = settings or get_settings()
    return datetime.now(ZoneInfo(s.timezone)).date()


def _emit(session: Session, ev: Event) -> None:
    record_event(session, event_tables, ev, topic_prefix=get_settings().topic_prefix)


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


# ------------------------------------------------------------------ proposing
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


def _create_match(
    session: Session, job: JobProfile, r: Ranked, *, request_id: str | None = None, note: str | None = None
) -> Match:
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
    match = match_row(data, ev.id, ev.time)
    session.add(match)
    session.flush()
    _transition_row(session, match.id, MatchStatus.proposed, MatchStatus.proposed, "system", note)
    _emit(session, ev)
    return match


def propose_for_job(session: Session, state: MatchingState, job: JobProfile, day: date) -> list[Match]:
    """Propose the best workers for a job, within its quota and the workers' weekly caps."""
    s = get_settings()
    if job.status != JobStatus.open or job.seats_left <= 0:
        return []
    quota = _job_quota(s, job, repo.open_count_for_job(session, job.job_id))
    if quota <= 0:
        return []
    exclude = repo.matched_workers(session, job.job_id)
    ranked = state.workers.rank(job, day, limit=max(quota * 4, 50), exclude=exclude)
    weekly = repo.weekly_open_counts(session, [r.worker_id for r in ranked], _now() - timedelta(days=7))
    return [
        _create_match(session, job, r) for r in balance(ranked, quota, weekly, s.max_open_per_worker_week)
    ]


def propose_for_worker(
    session: Session,
    state: MatchingState,
    worker: WorkerProfile,
    household: HouseholdProfile | None,
    day: date,
) -> tuple[list[Match], float | None]:
    """Propose the best jobs for a worker within the weekly cap; returns them and the best eligible score."""
    s = get_settings()
    if not worker.active or worker.employment_status == EmploymentStatus.employed:
        return [], None
    ranked = state.jobs.rank_for_worker(worker, household, day, limit=s.worker_jobs_limit)
    best = ranked[0].score if ranked else None
    cap = s.max_open_per_worker_week - repo.weekly_open_counts(
        session, [worker.worker_id], _now() - timedelta(days=7)
    ).get(worker.worker_id, 0)
    if cap <= 0 or not ranked:
        return [], best
    done = repo.matched_jobs(session, worker.worker_id)
    candidates = [r for r in ranked if r.job_id not in done]
    open_now = repo.open_counts_for_jobs(session, [r.job_id for r in candidates])
    out: list[Match] = []
    for r in candidates:
        if len(out) >= cap:
            break
        job = state.jobs.get(r.job_id)
        if job is None or _job_quota(s, job, open_now.get(r.job_id, 0)) <= 0:
            continue
        out.append(_create_match(session, job, r))
    return out, best


def offer_training(
    session: Session,
    state: MatchingState,
    worker: WorkerProfile,
    household: HouseholdProfile | None,
    day: date,
    current_best: float | None,
) -> TrainingOffer | None:
    """Offer the course that unlocks the worker's best blocked jobs, once per course and worker."""
    if not worker.active or worker.employment_status == EmploymentStatus.employed:
        return None
    found = state.jobs.best_training(worker, household, day, current_best)
    if found is None:
        return None
    course, unlocked = found
    missing = frozenset().union(*(b.missing for b in unlocked)) - worker.skill_ids()
    return _record_offer(session, state, worker, course, missing, [b.job.job_id for b in unlocked])


def _record_offer(
    session: Session,
    state: MatchingState,
    worker: WorkerProfile,
    course: TrainingProfile,
    missing_ids: Iterable[str],
    job_ids: list[uuid.UUID],
) -> TrainingOffer | None:
    if repo.offer_exists(session, course.training_id, worker.worker_id):
        return None
    missing = sorted(missing_ids)
    job_ids = job_ids[:5]
    offer = TrainingOffer(
        training_id=course.training_id,
        worker_id=worker.worker_id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        title=course.title,
        missing_skills=missing,
        unlocks_job_ids=[str(j) for j in job_ids],
    )
    session.add(offer)
    session.flush()
    data = TrainingOfferedData(
        offer_id=offer.id,
        training_id=course.training_id,
        worker_id=worker.worker_id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        title=course.title,
        missing_skills=[state.norm.taxonomy.label(m, m)[0] for m in missing],
        unlocks_job_ids=job_ids,
        starts_on=course.starts_on,
        subsidy_cny=course.subsidy_cny,
        place=course.place,
    )
    _emit(session, TrainingOffered.build(data, subject=offer.id))
    return offer


def offer_new_course(
    session: Session, state: MatchingState, course: TrainingProfile, day: date, per_job: int = 200
) -> list[TrainingOffer]:
    """A course was published: offer it to workers it would unlock open jobs for (blocked only by its skills),
    when those jobs beat the best score of their live proposals."""
    if course.status != "open" or course.seats_left <= 0 or (course.starts_on and course.starts_on < day):
        return []
    unlocks: dict[uuid.UUID, list[tuple[float, JobProfile]]] = {}
    for job in state.jobs.open_jobs():
        taught = job.core_skill_ids() & course.skill_ids
        if not taught:
            continue
        # Rank as if the taught skills were not asked for: who would be eligible once trained.
        relaxed = _replace(job, skills=tuple(s for s in job.skills if s.skill_id not in taught))
        for r in state.workers.rank(relaxed, day, per_job, with_reasons=False):
            worker = state.workers.get(r.worker_id)
            if worker is None or not (taught - worker.skill_ids()) or not within_reach(worker, course):
                continue
            unlocks.setdefault(r.worker_id, []).append((r.score, job))
    offers = []
    best_now = repo.best_live_scores(session, list(unlocks))
    for worker_id in sorted(unlocks, key=lambda w: w.int)[: course.seats_left * 3]:
        jobs = sorted(unlocks[worker_id], key=lambda x: (-x[0], x[1].job_id.int))
        current = best_now.get(worker_id)
        worker = state.workers.get(worker_id)
        if worker is None or (current is not None and jobs[0][0] <= current):
            continue
        missing = (
            frozenset().union(*(j.core_skill_ids() & course.skill_ids for _, j in jobs)) - worker.skill_ids()
        )
        offer = _record_offer(session, state, worker, course, missing, [j.job_id for _, j in jobs])
        if offer is not None:
            offers.append(offer)
    return offers


# ------------------------------------------------------------------ status changes
def _transition_row(
    session: Session, match_id: uuid.UUID, frm: MatchStatus, to: MatchStatus, actor: str, note: str | None
) -> None:
    session.add(MatchTransition(match_id=match_id, from_status=frm, to_status=to, actor=actor, note=note))


def transition(
    session: Session,
    match: Match,
    to: MatchStatus,
    *,
    actor: str,
    note: str | None = None,
    request_id: str | None = None,
) -> Match:
    """Move a match to a new status (409 when not allowed) and emit match.status_changed."""
    frm = match.status
    if to not in TRANSITIONS[frm]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[frm])) or "none (final status)"
        raise ConflictError(
            f"a match cannot go from {frm.value} to {to.value}; allowed: {allowed}",
            current_status=frm.value,
        )
    match.status = to
    match.version += 1
    match.updated_at = _now()
    session.add(match)
    _transition_row(session, match.id, frm, to, actor, note)
    data = MatchStatusChangedData(
        match_id=match.id,
        job_id=match.job_id,
        worker_id=match.worker_id,
        household_id=match.household_id,
        site_id=match.site_id,
        employer_id=match.employer_id,
        from_status=frm,
        to_status=to,
        job_title=match.job_title,
        actor=actor,
        note=note,
    )
    _emit(session, MatchStatusChanged.build(data, subject=match.id, request_id=request_id))
    session.flush()
    return match


def visible_match(
    session: Session, match_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Match:
    """A match in the caller's scope, else 404."""
    match = repo.get_match(session, match_id, for_update=for_update)
    if match is None or not can_see_match(match, principal):
        raise NotFoundError("match", match_id)
    return match


def can_see_match(match: Match, principal: Principal) -> bool:
    """Scope rule of one match."""
    if principal.role == "employer":
        return (
            match.employer_id is not None
            and match.employer_id == principal.employer_id
            and match.status in repo.EMPLOYER_STATUSES
        )
    return principal.can_see_site(match.site_id)


def change_status(
    session: Session,
    state: MatchingState,
    match_id: uuid.UUID,
    to: MatchStatus,
    principal: Principal,
    note: str | None,
    if_match: int | None,
    request_id: str | None,
) -> Match:
    """POST /matches/{id}/status: scope, role and transition checks, then the change."""
    match = visible_match(session, match_id, principal, for_update=True)
    if if_match is not None and if_match != match.version:
        from anju_common.errors import PreconditionFailedError

        raise PreconditionFailedError(match.version)
    if principal.role == "employer" and to not in EMPLOYER_MAY_SET:
        raise ForbiddenError("employers may only record hired, rejected or left")
    changed = transition(
        session, match, to, actor=f"{principal.role}:{principal.sub}", note=note, request_id=request_id
    )
    if to in (MatchStatus.hired, MatchStatus.left):
        _refresh_seats(session, state, changed.job_id)
    return changed


def _refresh_seats(session: Session, state: MatchingState, job_id: uuid.UUID) -> None:
    job = state.jobs.get(job_id)
    if job is None:
        return
    seats = job.headcount - max(job.hired_count, repo.hired_count(session, job_id))
    updated = _replace(job, seats_left=seats)
    after_commit(session, lambda: state.jobs.upsert(updated))


def _replace(job: JobProfile, **changes: Any) -> JobProfile:
    from dataclasses import replace

    return replace(job, **changes)


def expire_for_job(session: Session, job_id: uuid.UUID, reason: str) -> int:
    """Expire a job's live matches (job closed, filled or expired)."""
    rows = repo.live_matches_of_job(session, job_id)
    for m in rows:
        transition(session, m, MatchStatus.expired, actor="system", note=f"job {reason}")
    return len(rows)


# ------------------------------------------------------------------ read model from events
def apply_job(session: Session, state: MatchingState, data: JobData, *, propose: bool = True) -> list[Match]:
    """job.posted / job.updated: store if newer, re-index, expire or propose."""
    view = repo.get_job_view(session, data.job_id, for_update=True)
    if view is not None and view.version >= data.version:
        return []
    if view is None:
        view = JobView(job_id=data.job_id, version=data.version)
    view.version = data.version
    view.employer_id = data.employer_id
    view.site_id = data.location.site_id
    view.status = data.status
    view.data = _dump(data)
    view.updated_at = _now()
    session.add(view)
    session.flush()
    # The jobs service counts hires too (hired_count); trust whichever has seen more of them.
    seats = data.headcount - max(data.hired_count, repo.hired_count(session, data.job_id))
    job = job_profile(data, state.norm, seats)
    after_commit(session, lambda: state.jobs.upsert(job))
    if not propose:
        return []
    if data.status != JobStatus.open:
        expire_for_job(session, data.job_id, data.status.value)
        return []
    return propose_for_job(session, state, job, today())


def apply_job_closed(
    session: Session, state: MatchingState, data: JobClosedData, *, propose: bool = True
) -> int:
    """job.closed: mark it and expire the open proposals."""
    view = repo.get_job_view(session, data.job_id, for_update=True)
    if view is not None and view.version >= data.version:
        return 0
    status = JobStatus.filled if data.reason == "filled" else JobStatus.closed
    if view is None:
        view = JobView(job_id=data.job_id, version=data.version, employer_id=data.employer_id)
    view.version = data.version
    view.status = status
    view.updated_at = _now()
    session.add(view)
    session.flush()
    current = state.jobs.get(data.job_id)
    if current is not None:
        closed = _replace(current, status=status)
        after_commit(session, lambda: state.jobs.upsert(closed))
    return expire_for_job(session, data.job_id, data.reason) if propose else 0


def apply_training(
    session: Session, state: MatchingState, data: TrainingData, *, propose: bool = True
) -> list[TrainingOffer]:
    """training.published: store if newer, re-index, offer it to workers it unlocks jobs for."""
    view = repo.get_training_view(session, data.training_id, for_update=True)
    if view is not None and view.version >= data.version:
        return []
    if view is None:
        view = TrainingView(training_id=data.training_id, version=data.version)
    view.version = data.version
    view.data = _dump(data)
    view.updated_at = _now()
    session.add(view)
    course = training_profile(data, state.norm)
    after_commit(session, lambda: state.jobs.upsert_training(course))
    return offer_new_course(session, state, course, today()) if propose else []


def apply_household(session: Session, state: MatchingState, data: HouseholdData) -> HouseholdProfile:
    """Household signals from any event: stored if newer; returns the current ones."""
    view = repo.get_household_view(session, data.household_id, for_update=True)
    if view is not None and view.version >= data.version:
        return household_from_view(view)
    if view is None:
        view = HouseholdView(household_id=data.household_id, version=data.version)
    view.version = data.version
    view.site_id = data.site_id
    view.zero_employment = data.zero_employment
    view.zero_employment_since = data.zero_employment_since
    view.monitoring_category = data.monitoring_category.value
    view.updated_at = _now()
    session.add(view)
    hh = household_profile(data)
    after_commit(session, lambda: state.workers.set_household(hh))
    return hh


def apply_worker(
    session: Session, state: MatchingState, data: WorkerData, *, propose: bool = True
) -> tuple[list[Match], TrainingOffer | None]:
    """worker.registered / worker.updated: store if newer, re-index, propose jobs and maybe a course."""
    view = repo.get_worker_view(session, data.worker_id, for_update=True)
    household = apply_household(session, state, data.household)
    if view is not None and view.version >= data.version:
        return [], None
    if view is None:
        view = WorkerView(worker_id=data.worker_id, version=data.version)
    view.version = data.version
    view.household_id = data.household_id
    view.site_id = data.site_id
    view.active = data.active
    view.data = _dump(data)
    view.updated_at = _now()
    session.add(view)
    session.flush()
    worker = worker_profile(data, state.norm, risk=view.risk_cause is not None)

    def _index() -> None:
        state.workers.upsert(worker, household)
        if not worker.active:
            state.workers.remove(worker.worker_id)

    after_commit(session, _index)
    if not propose:
        return [], None
    _complete_offers(session, worker)
    if not worker.active:
        for m in repo.open_matches_of_worker(session, worker.worker_id):
            transition(session, m, MatchStatus.expired, actor="system", note="worker inactive")
        return [], None
    day = today()
    made, best = propose_for_worker(session, state, worker, household, day)
    offer = offer_training(session, state, worker, household, day, best)
    return made, offer


def _complete_offers(session: Session, worker: WorkerProfile) -> None:
    held = worker.skill_ids()
    for offer in repo.open_offers_of_worker(session, worker.worker_id):
        if offer.missing_skills and set(offer.missing_skills) <= held:
            offer.status = "completed"
            offer.updated_at = _now()
            session.add(offer)


def apply_worker_deactivated(
    session: Session, state: MatchingState, data: WorkerDeactivatedData, *, propose: bool = True
) -> None:
    """worker.deactivated: never a candidate again; live proposals expire."""
    view = repo.get_worker_view(session, data.worker_id, for_update=True)
    if view is not None and view.version >= data.version:
        return
    if view is None:
        view = WorkerView(worker_id=data.worker_id, version=data.version)
    view.version = data.version
    view.active = False
    view.household_id = data.household_id
    view.site_id = data.site_id
    if view.data is not None:
        view.data = {**view.data, "active": False, "version": data.version}
    view.updated_at = _now()
    session.add(view)
    after_commit(session, lambda: state.workers.remove(data.worker_id))
    if propose:
        for m in repo.open_matches_of_worker(session, data.worker_id):
            transition(session, m, MatchStatus.expired, actor="system", note=f"worker {data.reason}")


def apply_employment(
    session: Session, state: MatchingState, data: EmploymentChangedData, *, propose: bool = True
) -> None:
    """employment.changed: the worker's status and the household's signals."""
    household = apply_household(session, state, data.household)
    view = repo.get_worker_view(session, data.worker_id, for_update=True)
    if view is None or view.data is None or view.version >= data.version:
        return
    view.data = {**view.data, "employment_status": data.employment_status.value, "version": data.version}
    view.version = data.version
    if data.cause in ("left_job", "wage_arrears"):
        view.risk_cause, view.risk_since = data.cause, today()
    elif data.employment_status == EmploymentStatus.employed:
        view.risk_cause, view.risk_since = None, None
    view.updated_at = _now()
    session.add(view)
    worker = worker_profile(
        WorkerData.model_validate(view.data), state.norm, risk=view.risk_cause is not None
    )
    after_commit(session, lambda: state.workers.upsert(worker, household))
    if propose and data.employment_status == EmploymentStatus.employed:
        for m in repo.open_matches_of_worker(session, data.worker_id, repo.OPEN_STATUSES):
            if m.job_id != data.job_id:
                transition(session, m, MatchStatus.expired, actor="system", note="worker employed")


def apply_reply(session: Session, data: WorkerRepliedData) -> None:
    """worker.replied: 1 = interested, 2 = declined, TD = declined (notifications stops the SMS)."""
    if data.reply == ReplyKind.unknown:
        return
    if data.match_id is not None:
        match = repo.get_match(session, data.match_id, for_update=True)
        if match is None or match.worker_id != data.worker_id:
            log.warning("matching.reply_unknown_match", match_id=str(data.match_id))
            return
        to = MatchStatus.interested if data.reply == ReplyKind.interested else MatchStatus.declined
        if to in TRANSITIONS[match.status]:
            note = "SMS reply" if data.reply != ReplyKind.opt_out else "SMS opt-out"
            transition(session, match, to, actor="worker:sms", note=note)
        else:
            log.info("matching.reply_ignored", match_id=str(match.id), status=match.status.value)
    if data.offer_id is not None:
        offer = repo.get_offer(session, data.offer_id, for_update=True)
        if offer is not None and offer.worker_id == data.worker_id and offer.status == "offered":
            offer.status = "interested" if data.reply == ReplyKind.interested else "declined"
            offer.updated_at = _now()
            session.add(offer)


def apply_notification_sent(session: Session, source_event_id: uuid.UUID | None) -> None:
    """notification.sent for a match.proposed: proposed -> notified."""
    if source_event_id is None:
        return
    match = repo.match_by_proposed_event(session, source_event_id)
    if match is not None and match.status == MatchStatus.proposed:
        transition(session, match, MatchStatus.notified, actor="system", note="SMS sent")


# ------------------------------------------------------------------ zero-employment households
def working_days(since: date, day: date) -> int:
    """Monday-to-Friday days from since (inclusive) to day (exclusive)."""
    return int(np.busday_count(since, day)) if day > since else 0


def check_zero_employment(session: Session, state: MatchingState, day: date) -> list[uuid.UUID]:
    """Alert the office for zero-employment households past the deadline and propose public-welfare posts."""
    s = get_settings()
    alerted = []
    for hh in repo.households_due(session):
        assert hh.zero_employment_since is not None
        days = working_days(hh.zero_employment_since, day)
        if days < s.zero_employment_deadline_days:
            continue
        profile = HouseholdProfile(
            household_id=hh.household_id,
            site_id=hh.site_id,
            zero_employment=True,
            zero_employment_since=hh.zero_employment_since,
            monitoring=state.workers.households.get(
                hh.household_id, HouseholdProfile(hh.household_id)
            ).monitoring,
            version=hh.version,
        )
        proposed: list[uuid.UUID] = []
        for worker in state.workers.workers_of_household(hh.household_id):
            if not worker.active or worker.employment_status == EmploymentStatus.employed:
                continue
            ranked = state.jobs.rank_for_worker(
                worker,
                profile,
                day,
                limit=1,
                exclude=repo.matched_jobs(session, worker.worker_id),
                kinds=[EmployerKind.public_welfare],
            )
            for r in ranked:
                job = state.jobs.get(r.job_id)
                if job is not None:
                    _create_match(session, job, r, note="zero-employment deadline")
                    proposed.append(job.job_id)
        site = hh.site_id or next(
            (w.site_id for w in state.workers.workers_of_household(hh.household_id)), None
        )
        if site is None:
            continue
        data = ZeroEmploymentAlertedData(
            household_id=hh.household_id,
            site_id=site,
            zero_employment_since=hh.zero_employment_since,
            working_days=days,
            proposed_job_ids=proposed,
        )
        _emit(session, ZeroEmploymentAlerted.build(data, subject=hh.household_id))
        hh.alerted_since = hh.zero_employment_since
        hh.alerted_at = _now()
        session.add(hh)
        alerted.append(hh.household_id)
    return alerted


def ids(values: Iterable[str]) -> list[uuid.UUID]:
    """Strings to UUIDs."""
    return [uuid.UUID(v) for v in values]
