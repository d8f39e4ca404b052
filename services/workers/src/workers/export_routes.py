"""GET /workers/export.xlsx: the worker list as a spreadsheet, with the list's filters and masked numbers."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common.clock import today
from anju_common.deps import PrincipalDep, SessionDep
from anju_common.events import EmploymentStatus, LivelihoodType
from fastapi import APIRouter, Query, Response

from workers.config import get_settings
from workers.export import MAX_ROWS, workers_xlsx
from workers.filters import worker_filter
from workers.spreadsheet import XLSX_MEDIA_TYPE

# Included before the main router: /workers/{worker_id} would otherwise take "export.xlsx" for an id.
router = APIRouter(prefix="/api/v1")


@router.get(
    "/workers/export.xlsx",
    tags=["workers"],
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the worker list, masked"}},
)
def export_workers(
    session: SessionDep,
    principal: PrincipalDep,
    site_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    skill: Annotated[str | None, Query(max_length=50, description="text in a skill name")] = None,
    employment_status: EmploymentStatus | None = None,
    livelihood_type: LivelihoodType | None = None,
    zero_employment: Annotated[
        bool | None, Query(description="only workers of zero-employment households")
    ] = None,
    active: Annotated[
        bool, Query(description="true (default): active workers; false: deactivated or erased")
    ] = True,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="text in the worker's name, e.g. 秀英")
    ] = None,
    phone_last4: Annotated[
        str | None, Query(pattern=r"^[0-9]{4}$", description="last four digits of the phone, e.g. 5678")
    ] = None,
    id_last4: Annotated[
        str | None, Query(pattern=r"^[0-9]{3}[0-9Xx]$", description="last four characters of the ID number")
    ] = None,
) -> Response:
    """The workers GET /workers would list (same filters, whole list up to 100,000 rows), one
    row each, phone and ID number masked; office staff and administrators."""
    flt = worker_filter(
        session,
        site_id=site_id,
        household_id=household_id,
        skill=skill,
        employment_status=employment_status,
        livelihood_type=livelihood_type,
        zero_employment=zero_employment,
        active=active,
        q=q,
        phone_last4=phone_last4,
        id_last4=id_last4,
    )
    content = workers_xlsx(session, principal, flt, MAX_ROWS)
    name = f"anju-workers-{today(get_settings().timezone).isoformat()}.xlsx"
    return Response(
        content,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
