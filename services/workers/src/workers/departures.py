"""Organised departures (labour cooperation): plan, change, cancel, roster from accepted matches, arrivals.

Who may join: a worker of the departure's site with an accepted match (interested, referred or hired) for
a job of the departure's employer, as workers learns from matching's match.status_changed; anyone else
only by hand with a reason. Workers does not know employer kinds (jobs owns employers): the office picks
the labour-cooperation employer when it plans the departure.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from anju_common.clock import utcnow
from anju_common.errors import ConflictError, InvalidFieldError, NotFoundError, check_version
from anju_common.events import (
    DepartureCancelled,
    DepartureData,
    DepartureScheduled,
    MatchStatus,
    MatchStatusChangedData,
)
from anju_common.pii import mask_phone
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlmodel import Session

from workers import departure_repository as drepo
from workers.config import get_settings, today
from workers.departure_schemas import (
    DepartureCreate,
    DeparturePublic,
    DepartureUpdate,
    Roster,
    RosterEntry,
    RosterStatus,
)
from workers.guards import no_nulls, staff_only
from workers.models import AcceptedMatch, Departure, DepartureWorker, emit
from workers.pii import decrypt_phone
from workers.sites import visible_site

ACCEPTED = (MatchStatus.interested, MatchStatus.referred, MatchStatus.hired)
NO_LONGER_ACCEPTED = (MatchStatus.declined, MatchStatus.rejected, MatchStatus.expired, MatchStatus.left)
_FORWARD = {"planned": ("planned", "departed", "completed"), "departed": ("departed", "completed")}
_NULLABLE = {"arrives_on"}


# ------------------------------------------------------------------ views and events
def seat_holders(rows: list[DepartureWorker]) -> list[uuid.UUID]:
    """Workers who hold a seat: everyone on the roster except no-shows."""
    return [r.worker_id for r in rows if r.status != "no_show"]


def departure_public(dep: Departure, rows: list[DepartureWorker]) -> DeparturePublic:
    """The staff view of a departure."""
    holders = seat_holders(rows)
    return DeparturePublic(
        id=dep.id,
        site_id=dep.site_id,
        employer_id=dep.employer_id,
        employer_name=dep.employer_name,
        destination=dep.destination,
        departs_at=dep.departs_at,
        arrives_on=dep.arrives_on,
        meeting_point=dep.meeting_point,
        seats=dep.seats,
        seats_taken=len(holders),
        escort=dep.escort,
        status=dep.status,  # type: ignore[arg-type]
        cancel_reason=dep.cancel_reason,
        worker_ids=holders,
        version=dep.version,
        created_at=dep.created_at,
        updated_at=dep.updated_at,
    )


def departure_data(dep: Departure, rows: list[DepartureWorker]) -> DepartureData:
    """The event payload: the whole departure, its seat holders included (no-shows get no arrival SMS)."""
    return DepartureData(
        departure_id=dep.id,
        site_id=dep.site_id,
        employer_id=dep.employer_id,
        employer_name=dep.employer_name,
        destination=dep.destination,
        departs_at=dep.departs_at,
        arrives_on=dep.arrives_on,
        meeting_point=dep.meeting_point,
        seats=dep.seats,
        escort=dep.escort,
        worker_ids=seat_holders(rows),
        status=dep.status,  # type: ignore[arg-type]
        version=dep.version,
    )


def _publish(session: Session, dep: Departure, request_id: str | None) -> None:
    rows = drepo.members(session, dep.id)
    event_type = DepartureCancelled if dep.status == "cancelled" else DepartureScheduled
    emit(session, event_type.build(departure_data(dep, rows), subject=dep.id, request_id=request_id))


# ------------------------------------------------------------------ the departure
def create_departure(
    session: Session, body: DepartureCreate, principal: Principal, request_id: str | None
) -> Departure:
    """Plan a departure for a site in the caller's scope; DepartureScheduled is published."""
    staff_only(principal)
    visible_site(session, body.site_id, principal, "body.site_id")
    _check_dates(body.departs_at, body.arrives_on)
    dep = Departure(**body.model_dump())
    session.add(dep)
    session.flush()
    _publish(session, dep, request_id)
    return dep


def get_departure(
    session: Session, departure_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Departure:
    """A departure of the caller's sites, else 404."""
    staff_only(principal)
    dep = drepo.get_departure(session, departure_id, principal, for_update=for_update)
    if dep is None:
        raise NotFoundError("departure", departure_id)
    return dep


def _changeable(dep: Departure) -> None:
    if dep.status == "cancelled":
        raise ConflictError("the departure was cancelled; plan a new one instead")


def _check_dates(departs_at: datetime, arrives_on: date | None) -> None:
    departs_on = departs_at.astimezone(ZoneInfo(get_settings().timezone)).date()
    if arrives_on is not None and arrives_on < departs_on:
        raise InvalidFieldError("body.arrives_on", "the expected arrival is before the departure date")


def update_departure(
    session: Session,
    departure_id: uuid.UUID,
    patch: DepartureUpdate,
    principal: Principal,
    if_match: int | None,
    request_id: str | None,
) -> Departure:
    """Change a departure (optimistic concurrency); fewer seats than holders or a step back is a 409."""
    dep = get_departure(session, departure_id, principal, for_update=True)
    check_version(dep.version, if_match, patch.version)
    _changeable(dep)
    no_nulls(patch, nullable=_NULLABLE)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    if "status" in changes and changes["status"] not in _FORWARD.get(dep.status, ()):
        raise ConflictError(f"a departure cannot go from {dep.status} to {changes['status']}")
    if "seats" in changes:
        taken = len(seat_holders(drepo.members(session, dep.id)))
        if changes["seats"] < taken:
            raise ConflictError(f"{taken} workers hold seats; seats cannot be fewer", seats_taken=taken)
    _check_dates(changes.get("departs_at", dep.departs_at), changes.get("arrives_on", dep.arrives_on))
    for key, value in changes.items():
        setattr(dep, key, value)
    bump(session, dep)
    _publish(session, dep, request_id)
    return dep


def cancel_departure(
    session: Session, departure_id: uuid.UUID, reason: str, principal: Principal, request_id: str | None
) -> Departure:
    """Call a departure off; DepartureCancelled lets notifications cancel its scheduled SMS."""
    dep = get_departure(session, departure_id, principal, for_update=True)
    if dep.status == "cancelled":
        return dep
    if dep.status == "completed":
        raise ConflictError("the departure is completed; it cannot be cancelled")
    dep.status = "cancelled"
    dep.cancel_reason = reason
    dep.cancelled_at = utcnow()
    bump(session, dep)
    _publish(session, dep, request_id)
    return dep


# ------------------------------------------------------------------ the roster
def join(
    session: Session,
    departure_id: uuid.UUID,
    worker_id: uuid.UUID,
    match_id: uuid.UUID | None,
    reason: str | None,
    principal: Principal,
    request_id: str | None,
) -> Departure:
    """Add a worker: from an accepted match of the departure's employer, or by hand with a reason."""
    dep = get_departure(session, departure_id, principal, for_update=True)
    if dep.status != "planned":
        raise ConflictError(f"the departure is {dep.status}; workers join only planned departures")
    worker = drepo.workers_by_ids(session, [worker_id]).get(worker_id)
    if worker is None or worker.site_id != dep.site_id or not worker.active:
        raise InvalidFieldError("body.worker_id", f"no active worker {worker_id} at the departure's site")
    if drepo.member(session, dep.id, worker_id) is not None:
        raise ConflictError("the worker is already on this departure")
    other = drepo.open_departure_of_worker(session, worker_id, exclude=dep.id)
    if other is not None:
        raise ConflictError(f"the worker is already on departure {other.id}", departure_id=str(other.id))
    match = _accepted(session, dep, worker_id, match_id)
    if match is None and not reason:
        raise InvalidFieldError(
            "body.reason",
            "the worker has no accepted match of this departure's employer; give a reason to add by hand",
        )
    taken = len(seat_holders(drepo.members(session, dep.id)))
    if taken >= dep.seats:
        raise ConflictError(f"all {dep.seats} seats are taken", seats=dep.seats)
    session.add(
        DepartureWorker(
            departure_id=dep.id,
            worker_id=worker_id,
            source="match" if match is not None else "manual",
            match_id=match.match_id if match is not None else None,
            job_id=match.job_id if match is not None else None,
            reason=reason,
            actor=principal.sub,
            joined_at=utcnow(),
        )
    )
    session.flush()
    bump(session, dep)
    _publish(session, dep, request_id)
    return dep


def _accepted(
    session: Session, dep: Departure, worker_id: uuid.UUID, match_id: uuid.UUID | None
) -> AcceptedMatch | None:
    if match_id is None and dep.employer_id is None:
        return None
    match = drepo.accepted_match(session, worker_id, match_id, dep.employer_id)
    if match_id is not None:
        if match is None:
            raise InvalidFieldError("body.match_id", f"no accepted match {match_id} of this worker")
        if dep.employer_id is not None and match.employer_id != dep.employer_id:
            raise InvalidFieldError("body.match_id", "the match is for a job of another employer")
    return match


def remove(
    session: Session,
    departure_id: uuid.UUID,
    worker_id: uuid.UUID,
    principal: Principal,
    request_id: str | None,
) -> Departure:
    """Take a worker off a planned departure (the seat frees)."""
    dep = get_departure(session, departure_id, principal, for_update=True)
    if dep.status != "planned":
        raise ConflictError(f"the departure is {dep.status}; only a planned departure's roster changes")
    row = drepo.member(session, dep.id, worker_id, for_update=True)
    if row is None:
        raise NotFoundError("departure worker", worker_id)
    session.delete(row)
    session.flush()
    bump(session, dep)
    _publish(session, dep, request_id)
    return dep


def mark_no_show(
    session: Session,
    departure_id: uuid.UUID,
    worker_id: uuid.UUID,
    note: str | None,
    principal: Principal,
    request_id: str | None,
) -> Departure:
    """Staff record that a worker did not turn up; they leave the seat holders (no arrival check-in SMS)."""
    dep = get_departure(session, departure_id, principal, for_update=True)
    _changeable(dep)
    row = drepo.member(session, dep.id, worker_id, for_update=True)
    if row is None:
        raise NotFoundError("departure worker", worker_id)
    if row.status == "no_show":
        return dep
    row.status = "no_show"
    row.no_show_at = utcnow()
    row.no_show_note = note
    session.add(row)
    session.flush()
    bump(session, dep)
    _publish(session, dep, request_id)
    return dep


def arrival_day(dep: Departure) -> date:
    """The day the workers should arrive: the expected arrival date, else the departure's local date."""
    return dep.arrives_on or dep.departs_at.astimezone(ZoneInfo(get_settings().timezone)).date()


def roster_status(dep: Departure, row: DepartureWorker, on: date) -> RosterStatus:
    """joined, arrived or no_show as recorded; joined and silent after the arrival day: no_reply."""
    if row.status in ("arrived", "no_show"):
        return row.status  # type: ignore[return-value]
    if dep.status != "cancelled" and on > arrival_day(dep):
        return "no_reply"
    return "joined"


def roster(session: Session, departure_id: uuid.UUID, principal: Principal) -> Roster:
    """Who is on a departure with their status, phones masked."""
    dep = get_departure(session, departure_id, principal)
    rows = drepo.members(session, dep.id)
    people = drepo.workers_by_ids(session, [r.worker_id for r in rows])
    on = today()
    counts: dict[RosterStatus, int] = {"joined": 0, "arrived": 0, "no_reply": 0, "no_show": 0}
    items = []
    for r in rows:
        w = people.get(r.worker_id)
        st = roster_status(dep, r, on)
        counts[st] += 1
        items.append(
            RosterEntry(
                worker_id=r.worker_id,
                name=w.name if w else None,
                phone_masked=mask_phone(decrypt_phone(w)) if w else None,
                status=st,
                source=r.source,  # type: ignore[arg-type]
                match_id=r.match_id,
                job_id=r.job_id,
                reason=r.reason,
                joined_at=r.joined_at,
                arrived_at=r.arrived_at,
                no_show_at=r.no_show_at,
                no_show_note=r.no_show_note,
            )
        )
    return Roster(departure=departure_public(dep, rows), as_of=on, counts=counts, items=items)


# ------------------------------------------------------------------ from events
def tracks(status: MatchStatus) -> bool:
    """Whether a match moving to this status changes the accepted matches on_match_status keeps."""
    return status in ACCEPTED or status in NO_LONGER_ACCEPTED


def on_match_status(session: Session, d: MatchStatusChangedData) -> None:
    """Keep the accepted matches a worker may join a departure from."""
    if d.to_status in ACCEPTED:
        drepo.upsert_accepted_match(
            session,
            AcceptedMatch(
                match_id=d.match_id,
                worker_id=d.worker_id,
                job_id=d.job_id,
                employer_id=d.employer_id,
                job_title=d.job_title[:200],
                status=d.to_status.value,
                updated_at=utcnow(),
            ),
        )
    elif d.to_status in NO_LONGER_ACCEPTED:
        drepo.delete_accepted_match(session, d.match_id)


def on_arrived(session: Session, worker_id: uuid.UUID, departure_id: uuid.UUID | None) -> bool:
    """A worker's 1 to the arrival check-in: they arrived (the latest departure when none is named)."""
    dep = (
        drepo.get_departure(session, departure_id)
        if departure_id is not None
        else drepo.latest_departure_of_worker(session, worker_id)
    )
    if dep is None or dep.status == "cancelled":
        return False
    row = drepo.member(session, dep.id, worker_id, for_update=True)
    if row is None or row.status == "arrived":
        return False
    # The reply is the worker's own word: it overrides a no-show staff marked by mistake.
    row.status = "arrived"
    row.arrived_at = utcnow()
    session.add(row)
    return True


def departure_id_for(
    session: Session, worker_id: uuid.UUID, job_id: uuid.UUID | None, employer_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The departure a hired worker left with, for the placement's departure_id (None: not on one).

    First a departure the worker joined from a match of this very job, else their latest departure to
    this employer.
    """
    dep = drepo.departure_of_member_job(session, worker_id, job_id) if job_id is not None else None
    if dep is None and employer_id is not None:
        dep = drepo.latest_departure_of_worker(session, worker_id, employer_id)
    return dep.id if dep is not None else None
