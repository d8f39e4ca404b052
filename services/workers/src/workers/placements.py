"""Placements: a hire becomes a placement with its terms and follow-ups; it ends by a reply, by staff or
when matching reports the worker left. Ending one makes the worker unemployed and recounts the household."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from anju_common.errors import ConflictError, InvalidFieldError, NotFoundError, check_version
from anju_common.events import (
    EmploymentStatus,
    JobData,
    MatchStatusChangedData,
    PlacementData,
    PlacementEnded,
    PlacementStarted,
)
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlmodel import Session

from workers import departures, follow_ups
from workers import placement_repository as prepo
from workers import repository as repo
from workers.config import get_settings, today
from workers.employment import change_employment
from workers.guards import no_nulls, staff_only
from workers.models import FollowUp, Placement, PlacementJob, Worker, emit
from workers.registration import editable
from workers.schemas import EmploymentCause, FollowUpPublic, PlacementEndIn, PlacementPublic, PlacementUpdate


def placement_data(p: Placement) -> PlacementData:
    """Event payload of a placement."""
    return PlacementData(
        placement_id=p.id,
        worker_id=p.worker_id,
        household_id=p.household_id,
        site_id=p.site_id,
        job_id=p.job_id,
        match_id=p.match_id,
        employer_id=p.employer_id,
        employer_name=p.employer_name,
        job_title=p.job_title,
        started_on=p.started_on,
        wage_cny=p.wage_cny,
        contract_type=p.contract_type,
        social_insurance=p.social_insurance,
        place=p.place,
        departure_id=p.departure_id,
        status="ended" if p.status == "ended" else "active",
        ended_on=p.ended_on,
        end_reason=p.end_reason,  # type: ignore[arg-type]
        version=p.version,
    )


def placement_public(p: Placement, rows: list[FollowUp]) -> PlacementPublic:
    """Response shape of a placement with its follow-ups."""
    return PlacementPublic.model_validate(
        {
            **p.model_dump(),
            "follow_ups": [FollowUpPublic.model_validate(f, from_attributes=True) for f in rows],
        }
    )


def _apply_job(p: Placement, job: PlacementJob) -> None:
    p.employer_id = p.employer_id or job.employer_id
    p.employer_name = p.employer_name or job.employer_name
    p.job_title = p.job_title or job.title
    p.job_kind = p.job_kind or job.employer_kind
    p.place = p.place or job.place
    if p.wage_cny is None:
        p.wage_cny = job.wage_min


def _office_date(at: datetime) -> date:
    return at.astimezone(ZoneInfo(get_settings().timezone)).date()


def on_hired(session: Session, d: MatchStatusChangedData, at: datetime, request_id: str | None) -> None:
    """matching confirmed a hire: a placement starts that day, with its follow-ups; a placement the worker
    still held elsewhere ends (they moved on)."""
    if prepo.placement_by_match(session, d.match_id) is not None:
        return
    worker = repo.get_worker(session, d.worker_id)
    if worker is None or not worker.active:
        return
    started = _office_date(at)
    for old in prepo.active_placements_of_worker(session, worker.id):
        if old.job_id != d.job_id:
            end_placement(session, old, "other", started, "hired elsewhere", request_id, employment=False)
    p = Placement(
        worker_id=worker.id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        job_id=d.job_id,
        match_id=d.match_id,
        employer_id=d.employer_id,
        job_title=d.job_title,
        livelihood_type=worker.livelihood_type,
        started_on=started,
        departure_id=departures.departure_id_for(session, worker.id, d.job_id, d.employer_id),
    )
    job = prepo.get_placement_job(session, d.job_id)
    if job is not None:
        _apply_job(p, job)
    prepo.save(session, p)
    session.flush()
    follow_ups.schedule(session, p)
    emit(session, PlacementStarted.build(placement_data(p), subject=p.id, request_id=request_id))


def on_left(session: Session, match_id: uuid.UUID, at: datetime) -> None:
    """matching says the worker left the job of a hire (recorded there): the placement ends too."""
    p = prepo.placement_by_match(session, match_id)
    if p is None or p.status != "active":
        return
    p = prepo.get_placement(session, p.id, for_update=True)
    assert p is not None
    end_placement(session, p, "left", max(_office_date(at), p.started_on), None, None, employment=False)


def on_job_known(session: Session, job: JobData) -> None:
    """Remember a job's employer and kind; fill them into placements of it that lack them."""
    place = job.location.county or job.location.name or ""
    row = prepo.get_placement_job(session, job.job_id)
    if row is None:
        row = PlacementJob(
            job_id=job.job_id,
            employer_id=job.employer_id,
            employer_name=job.employer_name,
            employer_kind=job.employer_kind,
            title=job.title,
            wage_min=job.wage_min,
            place=place[:200],
            version=job.version,
        )
    elif job.version < row.version:
        return
    else:
        row.employer_id, row.employer_name, row.employer_kind = (
            job.employer_id,
            job.employer_name,
            job.employer_kind,
        )
        row.title, row.wage_min, row.place, row.version = job.title, job.wage_min, place[:200], job.version
    prepo.save(session, row)
    for p in prepo.placements_of_job_missing_terms(session, job.job_id):
        _apply_job(p, row)
        prepo.save(session, p)


def end_placement(
    session: Session,
    p: Placement,
    reason: str,
    on: date,
    note: str | None,
    request_id: str | None,
    *,
    employment: bool = True,
) -> None:
    """End a placement: its open follow-ups are cancelled, PlacementEnded published and, unless the
    worker's employment is already settled, the worker becomes unemployed (household recounted)."""
    p.status, p.ended_on, p.end_reason, p.end_note = "ended", on, reason, note
    bump(session, p)
    follow_ups.cancel_open(session, p)
    emit(session, PlacementEnded.build(placement_data(p), subject=p.id, request_id=request_id))
    if not employment:
        return
    worker = repo.get_worker(session, p.worker_id, for_update=True)
    if worker is None or not worker.active or worker.employment_status not in repo.EMPLOYED_STATUSES:
        return
    if worker.current_job_id not in (None, p.job_id):
        return
    change_employment(
        session,
        worker,
        EmploymentStatus.unemployed,
        "left_job",
        job_id=p.job_id,
        match_id=p.match_id,
        request_id=request_id,
    )


# ------------------------------------------------------------------ staff
def record_employment(
    session: Session,
    worker_id: uuid.UUID,
    status: EmploymentStatus,
    cause: EmploymentCause,
    job_id: uuid.UUID | None,
    principal: Principal,
    request_id: str | None,
) -> Worker:
    """Staff record a change of employment; a worker who no longer works has their placements ended, so
    the match is closed, the seat reopens and no check-in asks about a job already gone."""
    worker = editable(session, worker_id, principal)
    if not worker.active:
        raise ConflictError("the worker is deactivated")
    change_employment(session, worker, status, cause, job_id=job_id, request_id=request_id)
    if status not in repo.EMPLOYED_STATUSES:
        for p in prepo.active_placements_of_worker(session, worker.id):
            end_placement(session, p, "left", max(today(), p.started_on), None, request_id, employment=False)
    return worker


def get_placement(
    session: Session, placement_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Placement:
    """A placement of a site in the caller's scope (office staff), else 404."""
    staff_only(principal)
    p = prepo.get_placement(session, placement_id, for_update=for_update)
    if p is None or not principal.can_see_site(p.site_id):
        raise NotFoundError("placement", placement_id)
    return p


def with_follow_ups(session: Session, rows: list[Placement]) -> list[PlacementPublic]:
    """Placements with their follow-ups."""
    by = prepo.follow_ups_of(session, [p.id for p in rows])
    return [placement_public(p, by[p.id]) for p in rows]


def update_placement(
    session: Session,
    placement_id: uuid.UUID,
    patch: PlacementUpdate,
    principal: Principal,
    if_match: int | None,
) -> Placement:
    """Complete or correct a placement's terms; a new start date moves the follow-ups not yet due."""
    p = get_placement(session, placement_id, principal, for_update=True)
    check_version(p.version, if_match, patch.version)
    no_nulls(
        patch,
        nullable={"job_kind", "wage_cny", "contract_type", "social_insurance", "departure_id", "place"},
    )
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("place") is None and "place" in changes:
        changes["place"] = ""
    started = changes.get("started_on")
    if started is not None and p.ended_on is not None and started > p.ended_on:
        raise InvalidFieldError("body.started_on", "the start cannot be after the placement ended")
    for key, value in changes.items():
        setattr(p, key, value)
    bump(session, p)
    if started is not None:
        follow_ups.reschedule(session, p)
    return p


def end_by_staff(
    session: Session,
    placement_id: uuid.UUID,
    body: PlacementEndIn,
    principal: Principal,
    if_match: int | None,
    request_id: str | None,
) -> Placement:
    """Staff end a placement (left, dismissed, contract ended)."""
    p = get_placement(session, placement_id, principal, for_update=True)
    if if_match is not None or body.version is not None:
        check_version(p.version, if_match, body.version)
    if p.status != "active":
        raise ConflictError("the placement has already ended")
    on = body.ended_on or today()
    if on < p.started_on:
        raise InvalidFieldError("body.ended_on", "a placement cannot end before it started")
    end_placement(session, p, body.reason, on, body.note, request_id)
    return p
