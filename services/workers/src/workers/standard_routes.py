"""HTTP routes of the service-standard ledger: staff records and a site's who-is-short-of-what."""

from __future__ import annotations

import uuid
from typing import Annotated

from anju_common.deps import PrincipalDep, SessionDep
from fastapi import APIRouter, Query, Response, status

from workers import service_standard
from workers.departure_schemas import ServiceContactIn, ServiceContactPublic, ServiceStandardReport
from workers.reports_xlsx import standard_xlsx
from workers.spreadsheet import XLSX_MEDIA_TYPE

router = APIRouter(prefix="/api/v1", tags=["service standard"])
Year = Annotated[int | None, Query(description="calendar year; this year if omitted")]
IncludeMet = Annotated[bool, Query(description="also list workers who meet the standard")]


@router.post(
    "/workers/{worker_id}/service-contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=ServiceContactPublic,
)
def record_service_contact(
    worker_id: uuid.UUID, body: ServiceContactIn, session: SessionDep, principal: PrincipalDep
) -> ServiceContactPublic:
    """Record a service the worker received: career guidance, a recommendation, a training notice."""
    return service_standard.record_contact(session, worker_id, body, principal)


@router.get("/workers/{worker_id}/service-contacts", response_model=list[ServiceContactPublic])
def list_service_contacts(
    worker_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, year: Year = None
) -> list[ServiceContactPublic]:
    """A worker's service ledger for a year, oldest first."""
    return service_standard.worker_ledger(session, worker_id, year, principal)


@router.get("/sites/{site_id}/service-standard", response_model=ServiceStandardReport)
def site_service_standard(
    site_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    year: Year = None,
    include_met: IncludeMet = False,
) -> ServiceStandardReport:
    """The site's workers short of the yearly service standard, with their counts and shortfalls."""
    return service_standard.report(session, site_id, year, principal, include_met=include_met)


@router.get(
    "/sites/{site_id}/service-standard.xlsx",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)
def site_service_standard_xlsx(
    site_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    year: Year = None,
    include_met: IncludeMet = False,
) -> Response:
    """The same ledger as an Excel workbook (Chinese headers with English, masked names and phones)."""
    report = service_standard.report(session, site_id, year, principal, include_met=include_met)
    name = f"site-{site_id}-service-standard-{report.year}.xlsx"
    return Response(
        standard_xlsx(report),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
