"""Changes of a match's status: checked against the lifecycle, recorded, published."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from anju_common.errors import ForbiddenError, NotFoundError, PreconditionFailedError
from anju_common.events import (
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    PlacementData,
    ReplyKind,
    WorkerRepliedData,
)
from anju_common.logs import get_logger
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlmodel import Session

from matching import repository as repo
from matching.lifecycle import EMPLOYER_MAY_SET, EMPLOYER_STATUSES, TRANSITIONS, check_transition
from matching.models import Match, MatchTransition, emit
from matching.offers import reply_to_offer
from matching.state import MatchingState, after_commit

log = get_logger(__name__)


def transition_row(
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
    flush: bool = True,
) -> Match:
    """Move a match to a new status (409 when not allowed) and emit match.status_changed (flushed unless
    the caller flushes a batch of them)."""
    frm = match.status
    check_transition(frm, to)
    match.status = to
    bump(session, match, flush=False)
    transition_row(session, match.id, frm, to, actor, note)
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
    emit(session, MatchStatusChanged.build(data, subject=match.id, request_id=request_id))
    if flush:
        session.flush()
    return match


def visible_match(
    session: Session, match_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Match:
    """A match in the caller's scope, else 404."""
    match = repo.get_match(session, match_id, for_update=for_update)
    if match is None or not can_see_match(session, match, principal):
        raise NotFoundError("match", match_id)
    return match


def can_see_match(session: Session, match: Match, principal: Principal) -> bool:
    """Scope rule of one match: employers see their jobs' referred workers who agreed to share."""
    if principal.role == "employer":
        return (
            match.employer_id is not None
            and match.employer_id == principal.employer_id
            and match.status in EMPLOYER_STATUSES
            and repo.shares_with_employers(session, match.worker_id)
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
        raise PreconditionFailedError(match.version)
    if principal.role == "employer" and to not in EMPLOYER_MAY_SET:
        raise ForbiddenError("employers may only record hired, rejected or left")
    changed = transition(
        session, match, to, actor=f"{principal.role}:{principal.sub}", note=note, request_id=request_id
    )
    if to == MatchStatus.hired:
        expire_stale_for_hire(session, changed)
    if to in (MatchStatus.hired, MatchStatus.left):
        refresh_seats(session, state, changed.job_id)
    return changed


def expire_stale_for_hire(session: Session, hired: Match) -> int:
    """A hire makes the worker's other live matches stale: they expire, so queued SMS about them are
    cancelled instead of sent."""
    stale = [m for m in repo.open_matches_of_worker(session, hired.worker_id) if m.id != hired.id]
    for m in stale:
        transition(session, m, MatchStatus.expired, actor="system", note="hired elsewhere")
    return len(stale)


def apply_placement_ended(session: Session, state: MatchingState, data: PlacementData) -> Match | None:
    """placement.ended: the hire is over (hired -> left); jobs reopens the seat, the worker is matched again
    once workers reports them unemployed."""
    match = repo.get_match(session, data.match_id, for_update=True) if data.match_id else None
    if match is None and data.job_id is not None:
        match = repo.hired_match_of_pair(session, data.job_id, data.worker_id)
    if match is None and data.job_id is None:
        hired = repo.hired_matches_of_worker(session, data.worker_id)
        match = hired[0] if len(hired) == 1 else None
    if match is None or match.worker_id != data.worker_id or match.status != MatchStatus.hired:
        log.info("matching.placement_end_ignored", placement_id=str(data.placement_id))
        return None
    note = f"placement ended: {data.end_reason or 'left'}"
    transition(session, match, MatchStatus.left, actor="system", note=note)
    refresh_seats(session, state, match.job_id)
    return match


def refresh_seats(session: Session, state: MatchingState, job_id: uuid.UUID) -> None:
    job = state.jobs.get(job_id)
    if job is None:
        return
    seats = job.headcount - max(job.hired_count, repo.hired_count(session, job_id))
    updated = replace(job, seats_left=seats)
    after_commit(session, lambda: state.jobs.upsert(updated))


def expire_for_job(session: Session, job_id: uuid.UUID, reason: str) -> int:
    """Expire a job's live matches (job closed, filled or expired)."""
    rows = repo.live_matches_of_job(session, job_id)
    for m in rows:
        transition(session, m, MatchStatus.expired, actor="system", note=f"job {reason}")
    return len(rows)


def apply_reply(session: Session, data: WorkerRepliedData) -> None:
    """worker.replied: 1 = interested, 2 = declined, TD or a refusal of automated matching = declined
    (notifications stops the SMS); follow-up and arrival answers are not about a proposal."""
    if data.reply not in _MATCH_REPLIES:
        return
    if data.match_id is not None:
        match = repo.get_match(session, data.match_id, for_update=True)
        if match is None or match.worker_id != data.worker_id:
            log.warning("matching.reply_unknown_match", match_id=str(data.match_id))
            return
        to = MatchStatus.interested if data.reply == ReplyKind.interested else MatchStatus.declined
        if to in TRANSITIONS[match.status]:
            note = {ReplyKind.opt_out: "SMS opt-out", ReplyKind.refuse_automation: "refused automation"}.get(
                data.reply, "SMS reply"
            )
            transition(session, match, to, actor="worker:sms", note=note)
        else:
            log.info("matching.reply_ignored", match_id=str(match.id), status=match.status.value)
    if data.offer_id is not None:
        reply_to_offer(session, data)


_MATCH_REPLIES = frozenset(
    {ReplyKind.interested, ReplyKind.not_interested, ReplyKind.opt_out, ReplyKind.refuse_automation}
)


def apply_notifications_sent(session: Session, source_event_ids: Sequence[uuid.UUID | None]) -> None:
    """notification.sent for match.proposed events: proposed -> notified, one query and one flush for all."""
    ids = {i for i in source_event_ids if i is not None}
    if not ids:
        return
    for match in repo.matches_by_proposed_events(session, ids):
        if match.status == MatchStatus.proposed:
            transition(session, match, MatchStatus.notified, actor="system", note="SMS sent", flush=False)
    session.flush()
