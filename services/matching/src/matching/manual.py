"""Explaining a pair and proposing by hand: office staff of the worker's site (and admins) only."""

from __future__ import annotations

import uuid

from anju_common.errors import ConflictError, ForbiddenError, NotFoundError
from anju_common.principal import Principal
from anju_common.problems import Problem
from sqlmodel import Session

from matching import repository as repo
from matching.config import today
from matching.engine.index import Ranked
from matching.engine.profiles import JobProfile
from matching.explain import Explanation, explain
from matching.models import Match
from matching.proposals import create_match
from matching.state import MatchingState


def _staff_pair(
    session: Session, state: MatchingState, job_id: uuid.UUID, worker_id: uuid.UUID, principal: Principal
) -> JobProfile:
    """The job, once the caller may act for the worker: office staff of the worker's site or admins."""
    if principal.role not in ("office_staff", "admin"):
        raise ForbiddenError("only employment-office staff and administrators explain or propose matches")
    view = repo.get_worker_view(session, worker_id)
    if view is None or view.data is None or not principal.can_see_site(view.site_id):
        raise NotFoundError("worker", worker_id)
    job = state.jobs.get(job_id)
    if job is None:
        raise NotFoundError("job", job_id)
    return job


def explain_pair(
    session: Session, state: MatchingState, job_id: uuid.UUID, worker_id: uuid.UUID, principal: Principal
) -> tuple[Explanation, Match | None]:
    """Every hard filter, the score, the reasons and the rank of one worker for one job, and their match."""
    job = _staff_pair(session, state, job_id, worker_id, principal)
    found = explain(state.workers, job, worker_id, today(), state.no_auto.get(worker_id))
    if found is None:
        raise NotFoundError("worker", worker_id)
    return found, repo.latest_match_of_pair(session, job_id, worker_id)


def propose_by_hand(
    session: Session,
    state: MatchingState,
    job_id: uuid.UUID,
    worker_id: uuid.UUID,
    reason: str,
    principal: Principal,
    request_id: str | None,
) -> Match:
    """Staff propose a job to a worker (also one who refused automation or texted TD): the hard filters
    still apply (422 naming each failed one), one live match per pair (409), the reason is recorded."""
    job = _staff_pair(session, state, job_id, worker_id, principal)
    live = repo.live_match_of_pair(session, job_id, worker_id, for_update=True)
    if live is not None:
        raise ConflictError(
            f"the worker already has a live match for this job ({live.status.value})", match_id=str(live.id)
        )
    found = explain(state.workers, job, worker_id, today(), None)
    if found is None:
        raise NotFoundError("worker", worker_id)
    if not found.eligible:
        failed = [{"code": f.code, "zh": f.zh, "en": f.en} for f in found.filters if not f.passed]
        raise Problem(
            422,
            f"the worker does not pass the job's hard filters: {', '.join(found.failed)}",
            code="hard-filter-failed",
            failed_filters=failed,
            errors=[
                {
                    "field": "body.worker_id",
                    "message": f"{f['zh']} / {f['en']}",
                    "type": f"filter.{f['code']}",
                }
                for f in failed
            ],
        )
    view = repo.get_worker_view(session, worker_id)
    assert view is not None and view.household_id is not None and view.site_id is not None
    assert found.score is not None
    ranked = Ranked(
        worker_id=worker_id,
        job_id=job_id,
        household_id=view.household_id,
        site_id=view.site_id,
        score=found.score,
        breakdown=found.breakdown,
        distance_km=found.distance_km,
        reasons=tuple(found.reasons),
    )
    actor = f"{principal.role}:{principal.sub}"
    match = create_match(session, job, ranked, actor=actor, note=f"by hand: {reason}", request_id=request_id)
    if match is None:
        raise ConflictError("the worker already has a live match for this job")
    return match
