"""HTTP routes of the matching service: thin, they parse, call the service and shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common.deps import PrincipalDep, RequestIdDep, SessionDep
from anju_common.errors import ForbiddenError, NotFoundError, etag, parse_if_match
from anju_common.events import JobData, Location, MatchStatus, Reason
from anju_common.places import place_columns
from anju_common.principal import Principal
from fastapi import APIRouter, Depends, Header, Query, Request, Response

from matching import manual, matches
from matching import repository as repo
from matching.config import today
from matching.engine.index import Ranked
from matching.engine.profiles import job_profile
from matching.models import Match, TrainingOffer
from matching.runtime import MatchingRuntime
from matching.schemas import (
    Breakdown,
    EmployerJobMatches,
    EmployerMatch,
    EmployerMatchDetail,
    EmployerTransition,
    EmployerWorkerMatches,
    FilterOutcome,
    JobMatches,
    ManualProposal,
    MatchDetail,
    MatchExplanation,
    MatchPreview,
    MatchPublic,
    MatchRef,
    PreviewResult,
    RankedJob,
    RankedWorker,
    StatusChange,
    TrainingOfferPublic,
    TransitionPublic,
    WorkerMatches,
)
from matching.state import MatchingState

router = APIRouter(prefix="/api/v1")
Limit = Annotated[int, Query(ge=1, le=200)]
IfMatch = Annotated[str | None, Header(description='ETag from a previous response, e.g. W/"3"')]


def get_state(request: Request) -> MatchingState:
    """The process's ranking state."""
    runtime: MatchingRuntime = request.app.state.runtime
    assert runtime.matching is not None
    return runtime.matching


StateDep = Annotated[MatchingState, Depends(get_state)]


def match_public(m: Match) -> MatchPublic:
    """Response shape of a match."""
    return MatchPublic.model_validate(
        {**m.model_dump(), "breakdown": Breakdown(**m.breakdown), "reasons": [Reason(**r) for r in m.reasons]}
    )


def employer_match(m: Match) -> EmployerMatch:
    """The employer's shape of a match (nothing about the household, the site or the score)."""
    return EmployerMatch.model_validate(m, from_attributes=True)


def offer_public(o: TrainingOffer) -> TrainingOfferPublic:
    """Response shape of a training offer."""
    return TrainingOfferPublic.model_validate(o.model_dump())


def ranked_worker(r: Ranked) -> RankedWorker:
    """Response shape of a ranked worker."""
    return RankedWorker(
        worker_id=r.worker_id,
        household_id=r.household_id,
        site_id=r.site_id,
        score=r.score,
        breakdown=Breakdown(**r.breakdown),
        distance_km=r.distance_km,
        reasons=list(r.reasons),
    )


def _no_employers(principal: Principal, what: str) -> None:
    if principal.role == "employer":
        raise ForbiddenError(f"employers cannot see {what}; they see referred candidates of their own jobs")


def _sites(principal: Principal) -> list[uuid.UUID] | None:
    return principal.site_ids if principal.role == "office_staff" else None


@router.get("/jobs/{job_id}/matches", response_model=JobMatches | EmployerJobMatches, tags=["matches"])
def job_matches(
    job_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    state: StateDep,
    status: MatchStatus | None = None,
    include_ranking: Annotated[
        bool, Query(description="also rank eligible workers now (not employers)")
    ] = False,
    limit: Limit = 50,
) -> JobMatches | EmployerJobMatches:
    """Stored proposals of a job, best first; optionally the live ranking with breakdowns and reasons.
    The job's employer gets its own shape: referred workers who agreed to share, nothing else."""
    view = repo.get_job_view(session, job_id)
    if (
        view is None
        or (principal.role == "employer" and view.employer_id != principal.employer_id)
        or (
            principal.role == "office_staff"
            and view.site_id is not None
            and not principal.can_see_site(view.site_id)
        )
    ):
        raise NotFoundError("job", job_id)
    matches = repo.matches_of_job(session, job_id, principal, status, limit)
    if principal.role == "employer":
        if include_ranking:
            _no_employers(principal, "rankings")
        return EmployerJobMatches(job_id=job_id, matches=[employer_match(m) for m in matches])
    ranking = None
    if include_ranking:
        job = state.jobs.get(job_id)
        ranked = [] if job is None else state.workers.rank(job, today(), limit, site_ids=_sites(principal))
        ranking = [ranked_worker(r) for r in ranked]
    return JobMatches(job_id=job_id, matches=[match_public(m) for m in matches], ranking=ranking)


@router.get("/jobs/{job_id}/matches/explain", response_model=MatchExplanation, tags=["matches"])
def explain_match(
    job_id: uuid.UUID,
    worker_id: Annotated[uuid.UUID, Query(description="the worker to explain")],
    session: SessionDep,
    principal: PrincipalDep,
    state: StateDep,
) -> MatchExplanation:
    """Why a worker is or is not proposed this job (PIPL art. 24), from the ranking's own rules: every hard
    filter passed or failed with its reason, the score breakdown, the reasons, the rank among the job's
    eligible workers and the pair's match. Office staff of the worker's site and administrators."""
    found, match = manual.explain_pair(session, state, job_id, worker_id, principal)
    return MatchExplanation(
        job_id=job_id,
        worker_id=worker_id,
        eligible=found.eligible,
        filters=[FilterOutcome(code=f.code, passed=f.passed, zh=f.zh, en=f.en) for f in found.filters],
        score=found.score,
        breakdown=found.breakdown,
        reasons=list(found.reasons),
        rank=found.rank,
        match=None if match is None else MatchRef(id=match.id, status=match.status),
    )


@router.post("/jobs/{job_id}/matches", response_model=MatchPublic, status_code=201, tags=["matches"])
def propose_match(
    job_id: uuid.UUID,
    body: ManualProposal,
    session: SessionDep,
    principal: PrincipalDep,
    state: StateDep,
    request_id: RequestIdDep,
    response: Response,
) -> MatchPublic:
    """Staff propose this job to a worker by hand, also to one who refused automated matching or texted TD.
    The hard filters apply (422 lists each failed one in Chinese and English); one live match per pair (409);
    the reason is kept in the match's history; match.proposed is published."""
    m = manual.propose_by_hand(session, state, job_id, body.worker_id, body.reason, principal, request_id)
    response.headers["ETag"] = etag(m.version)
    return match_public(m)


@router.get(
    "/workers/{worker_id}/matches", response_model=WorkerMatches | EmployerWorkerMatches, tags=["matches"]
)
def worker_matches(
    worker_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    state: StateDep,
    status: MatchStatus | None = None,
    include_ranking: Annotated[bool, Query(description="also rank open jobs for the worker now")] = False,
    limit: Limit = 50,
) -> WorkerMatches | EmployerWorkerMatches:
    """A worker's proposals and training offers; optionally the live ranking of jobs. An employer sees only
    the worker's referrals to its own jobs, in its own shape, and only if the worker agreed to share."""
    view = repo.get_worker_view(session, worker_id)
    matches = repo.matches_of_worker(session, worker_id, principal, status, limit)
    if principal.role == "employer":
        if not matches:
            raise NotFoundError("worker", worker_id)
        return EmployerWorkerMatches(worker_id=worker_id, matches=[employer_match(m) for m in matches])
    if view is None or not principal.can_see_site(view.site_id):
        raise NotFoundError("worker", worker_id)
    offers = repo.offers_of_worker(session, worker_id, limit)
    ranking = None
    worker = state.workers.get(worker_id)
    if include_ranking and worker is not None:
        household = state.workers.household_of(worker_id)
        ranked = state.jobs.rank_for_worker(worker, household, today(), limit)
        ranking = []
        for r in ranked:
            job = state.jobs.get(r.job_id)
            ranking.append(
                RankedJob(
                    job_id=r.job_id,
                    title=job.title if job else "",
                    employer_name=job.employer_name if job else "",
                    score=r.score,
                    breakdown=Breakdown(**r.breakdown),
                    distance_km=r.distance_km,
                    reasons=list(r.reasons),
                )
            )
    return WorkerMatches(
        worker_id=worker_id,
        matches=[match_public(m) for m in matches],
        training_offers=[offer_public(o) for o in offers],
        ranking=ranking,
    )


@router.get("/matches/{match_id}", response_model=MatchDetail | EmployerMatchDetail, tags=["matches"])
def get_match(
    match_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> MatchDetail | EmployerMatchDetail:
    """One match with its status history (employers: their shape, without who on the office side)."""
    m = matches.visible_match(session, match_id, principal)
    rows = repo.transitions(session, match_id)
    response.headers["ETag"] = etag(m.version)
    if principal.role == "employer":
        steps = [EmployerTransition.model_validate(t, from_attributes=True) for t in rows]
        return EmployerMatchDetail(**employer_match(m).model_dump(), history=steps)
    history = [TransitionPublic.model_validate(t.model_dump()) for t in rows]
    return MatchDetail(**match_public(m).model_dump(), history=history)


@router.post("/matches/{match_id}/status", response_model=MatchPublic | EmployerMatch, tags=["matches"])
def change_status(
    match_id: uuid.UUID,
    body: StatusChange,
    session: SessionDep,
    principal: PrincipalDep,
    state: StateDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> MatchPublic | EmployerMatch:
    """Move a match along proposed → notified → interested | declined → referred → hired | rejected (→ left);
    expired from any open status. Illegal transitions answer 409; match.status_changed is published."""
    m = matches.change_status(
        session, state, match_id, body.status, principal, body.note, parse_if_match(if_match), request_id
    )
    response.headers["ETag"] = etag(m.version)
    return employer_match(m) if principal.role == "employer" else match_public(m)


@router.post("/match-preview", response_model=PreviewResult, tags=["matches"])
def match_preview(
    body: MatchPreview, principal: PrincipalDep, state: StateDep, limit: Limit = 50
) -> PreviewResult:
    """Rank workers for a job that is not posted yet. POST, not GET: the job is a JSON document (skill lists,
    coordinates, requirements) that does not fit a query string, and a GET body has no defined meaning, so
    proxies and clients drop it. Nothing is stored or sent; repeating the call is harmless."""
    _no_employers(principal, "rankings of workers")
    loc = body.location
    data = JobData(
        job_id=uuid.UUID(int=0),
        employer_id=uuid.UUID(int=0),
        location=Location(
            site_id=loc.site_id,
            lat=loc.lat,
            lon=loc.lon,
            name=loc.name,
            **place_columns(loc.province, loc.county),
        ),
        **body.model_dump(exclude={"location"}),
    )
    job = job_profile(data, state.norm)
    ranked = state.workers.rank(job, today(), limit, site_ids=_sites(principal))
    names = [s.skill_id or f"text:{s.text}" for s in job.skills]
    return PreviewResult(
        eligible_shown=len(ranked), normalised_skills=names, ranking=[ranked_worker(r) for r in ranked]
    )
