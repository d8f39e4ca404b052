"""HTTP routes of organised departures (labour cooperation): plan, change, cancel, roster, arrivals."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common.deps import PrincipalDep, RequestIdDep, SessionDep
from anju_common.errors import etag, parse_if_match
from anju_common.pagination import MAX_LIMIT, Page, keyset_after, next_keyset_cursor
from fastapi import APIRouter, Header, Query, Response, status

from workers import departure_repository as drepo
from workers import departures
from workers.departure_schemas import (
    DepartureCancel,
    DepartureCreate,
    DepartureJoin,
    DeparturePublic,
    DepartureStatus,
    DepartureUpdate,
    NoShowIn,
    Roster,
)
from workers.guards import staff_only
from workers.models import Departure
from workers.reports_xlsx import roster_xlsx
from workers.spreadsheet import XLSX_MEDIA_TYPE

router = APIRouter(prefix="/api/v1/departures", tags=["departures"])
IfMatch = Annotated[str | None, Header(description='ETag from a previous response, e.g. W/"3"')]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]


def _out(session: SessionDep, dep: Departure, response: Response) -> DeparturePublic:
    response.headers["ETag"] = etag(dep.version)
    return departures.departure_public(dep, drepo.members(session, dep.id))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DeparturePublic)
def create_departure(
    body: DepartureCreate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> DeparturePublic:
    """Plan an organised departure to a labour-cooperation employer; departure.scheduled is published."""
    dep = departures.create_departure(session, body, principal, request_id)
    response.headers["Location"] = f"/api/v1/departures/{dep.id}"
    return _out(session, dep, response)


@router.get("", response_model=Page[DeparturePublic])
def list_departures(
    session: SessionDep,
    principal: PrincipalDep,
    site_id: uuid.UUID | None = None,
    status: DepartureStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeparturePublic]:
    """Departures of the caller's sites, newest first."""
    staff_only(principal)
    rows = drepo.list_departures(session, principal, site_id, status, keyset_after(cursor), limit)
    return Page(
        items=[departures.departure_public(d, drepo.members(session, d.id)) for d in rows],
        next_cursor=next_keyset_cursor(rows, limit),
    )


@router.get("/{departure_id}", response_model=DeparturePublic)
def get_departure(
    departure_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> DeparturePublic:
    """One departure."""
    return _out(session, departures.get_departure(session, departure_id, principal), response)


@router.patch("/{departure_id}", response_model=DeparturePublic)
def update_departure(
    departure_id: uuid.UUID,
    body: DepartureUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> DeparturePublic:
    """Change a departure (If-Match or version required; stale gets 412/409)."""
    dep = departures.update_departure(
        session, departure_id, body, principal, parse_if_match(if_match), request_id
    )
    return _out(session, dep, response)


@router.post("/{departure_id}/cancel", response_model=DeparturePublic)
def cancel_departure(
    departure_id: uuid.UUID,
    body: DepartureCancel,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> DeparturePublic:
    """Call a departure off; departure.cancelled lets notifications cancel its scheduled SMS."""
    dep = departures.cancel_departure(session, departure_id, body.reason, principal, request_id)
    return _out(session, dep, response)


@router.post("/{departure_id}/workers", response_model=DeparturePublic)
def join_departure(
    departure_id: uuid.UUID,
    body: DepartureJoin,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> DeparturePublic:
    """Add a worker from an accepted match of the departure's employer (or by hand with a reason); 409 when
    every seat is taken."""
    dep = departures.join(
        session, departure_id, body.worker_id, body.match_id, body.reason, principal, request_id
    )
    return _out(session, dep, response)


@router.delete("/{departure_id}/workers/{worker_id}", response_model=DeparturePublic)
def leave_departure(
    departure_id: uuid.UUID,
    worker_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> DeparturePublic:
    """Take a worker off a planned departure."""
    return _out(session, departures.remove(session, departure_id, worker_id, principal, request_id), response)


@router.post("/{departure_id}/workers/{worker_id}/no-show", response_model=DeparturePublic)
def mark_no_show(
    departure_id: uuid.UUID,
    worker_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
    body: NoShowIn | None = None,
) -> DeparturePublic:
    """Record that a worker did not turn up: listed as a no-show, the seat freed, no arrival check-in."""
    note = (body or NoShowIn()).note
    dep = departures.mark_no_show(session, departure_id, worker_id, note, principal, request_id)
    return _out(session, dep, response)


@router.get("/{departure_id}/roster", response_model=Roster)
def departure_roster(departure_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Roster:
    """Who is on the departure: joined, arrived, no reply after the arrival day, no-show (phones masked)."""
    return departures.roster(session, departure_id, principal)


@router.get(
    "/{departure_id}/roster.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the roster as a workbook"}},
)
def departure_roster_xlsx(departure_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    """The roster as an Excel workbook (Chinese headers with English, phones masked)."""
    roster = departures.roster(session, departure_id, principal)
    name = f"departure-{departure_id}-roster-{roster.as_of.isoformat()}.xlsx"
    return Response(
        roster_xlsx(roster),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
