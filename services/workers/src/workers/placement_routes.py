"""HTTP routes of placements and their follow-ups (office staff)."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common.deps import PrincipalDep, RequestIdDep, SessionDep
from anju_common.errors import etag, parse_if_match
from anju_common.pagination import MAX_LIMIT, Page, keyset_after, next_keyset_cursor
from fastapi import APIRouter, Header, Query, Response, status

from workers import follow_ups, placements, registration
from workers import placement_repository as prepo
from workers.guards import staff_only
from workers.schemas import (
    FollowUpPublic,
    FollowUpRecordIn,
    PlacementEndIn,
    PlacementPublic,
    PlacementUpdate,
)

placement_router = APIRouter(prefix="/api/v1", tags=["placements"])
IfMatch = Annotated[str | None, Header(description='ETag from a previous response, e.g. W/"3"')]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]


def _one(session: SessionDep, placement_id: uuid.UUID, response: Response) -> PlacementPublic:
    p = prepo.get_placement(session, placement_id)
    assert p is not None
    response.headers["ETag"] = etag(p.version)
    return placements.with_follow_ups(session, [p])[0]


@placement_router.get("/workers/{worker_id}/placements", response_model=Page[PlacementPublic])
def list_worker_placements(
    worker_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PlacementPublic]:
    """A worker's placements (jobs after the hire), newest first, with their follow-ups."""
    staff_only(principal)
    registration.get_worker(session, worker_id, principal)
    rows = prepo.placements_of_worker(session, worker_id, keyset_after(cursor), limit)
    return Page(items=placements.with_follow_ups(session, rows), next_cursor=next_keyset_cursor(rows, limit))


@placement_router.get("/placements/{placement_id}", response_model=PlacementPublic)
def get_placement(
    placement_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> PlacementPublic:
    """One placement with its follow-ups."""
    p = placements.get_placement(session, placement_id, principal)
    return _one(session, p.id, response)


@placement_router.patch("/placements/{placement_id}", response_model=PlacementPublic)
def update_placement(
    placement_id: uuid.UUID,
    body: PlacementUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlacementPublic:
    """Complete or correct the terms: wage agreed, contract type, social insurance, place of work, start
    (If-Match or version required; stale gets 412/409)."""
    p = placements.update_placement(session, placement_id, body, principal, parse_if_match(if_match))
    return _one(session, p.id, response)


@placement_router.post("/placements/{placement_id}/end", response_model=PlacementPublic)
def end_placement(
    placement_id: uuid.UUID,
    body: PlacementEndIn,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> PlacementPublic:
    """End a placement (left, dismissed, contract ended): the worker becomes unemployed, the household is
    recounted and matching re-opens the worker."""
    p = placements.end_by_staff(session, placement_id, body, principal, parse_if_match(if_match), request_id)
    return _one(session, p.id, response)


@placement_router.post(
    "/placements/{placement_id}/follow-ups",
    status_code=status.HTTP_201_CREATED,
    response_model=FollowUpPublic,
)
def record_follow_up(
    placement_id: uuid.UUID,
    body: FollowUpRecordIn,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
) -> FollowUpPublic:
    """Staff reached the worker by phone or visit and record the outcome (on the job, left, wages unpaid)."""
    f = follow_ups.record_by_staff(session, placement_id, body, principal, request_id)
    return FollowUpPublic.model_validate(f, from_attributes=True)
