"""HTTP routes of the workers service: thin, they parse, call the service and shape the answer."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import Annotated

from anju_common.deps import PrincipalDep, RequestIdDep, RuntimeDep, SessionDep
from anju_common.errors import etag, parse_if_match
from anju_common.events import EmploymentStatus, LivelihoodType, MonitoringCategory
from anju_common.pagination import MAX_LIMIT, Page, keyset_after, next_keyset_cursor
from anju_common.principal import SERVICE_TOKEN_HEADER
from anju_common.problems import Problem
from fastapi import APIRouter, Depends, File, Form, Header, Query, Response, UploadFile, status

from workers import contacts, households, placements, registration, reveal, sites, stats, views
from workers import repository as repo
from workers.bulk import import_workers
from workers.config import get_settings
from workers.filters import worker_filter
from workers.schemas import (
    ContactPublic,
    ContactsIn,
    ContactsOut,
    DeactivateIn,
    EmploymentIn,
    EmploymentOut,
    HouseholdCreate,
    HouseholdPublic,
    HouseholdUpdate,
    ImportReport,
    LookupIn,
    LookupOut,
    PiiRevealPublic,
    RevealField,
    RevealIn,
    RevealOut,
    SiteCreate,
    SitePublic,
    SiteStats,
    SiteUpdate,
    WorkerCreate,
    WorkerPublic,
    WorkerSharedPublic,
    WorkerUpdate,
)
from workers.spreadsheet import XLSX_MEDIA_TYPE
from workers.workbooks import stats_xlsx, template_xlsx

router = APIRouter(prefix="/api/v1")
IfMatch = Annotated[str | None, Header(description='ETag from a previous response, e.g. W/"3"')]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]


# ------------------------------------------------------------------ sites
@router.post("/sites", status_code=status.HTTP_201_CREATED, response_model=SitePublic, tags=["sites"])
def create_site(
    body: SiteCreate, session: SessionDep, principal: PrincipalDep, response: Response
) -> SitePublic:
    """Register a resettlement site (administrators)."""
    site = sites.create_site(session, body, principal)
    response.headers["ETag"] = etag(site.version)
    response.headers["Location"] = f"/api/v1/sites/{site.id}"
    return views.site_public(site)


@router.get("/sites", response_model=Page[SitePublic], tags=["sites"])
def list_sites(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[SitePublic]:
    """Sites in the caller's scope, newest first."""
    rows = repo.list_sites(session, principal, keyset_after(cursor), limit)
    return Page(items=[views.site_public(s) for s in rows], next_cursor=next_keyset_cursor(rows, limit))


@router.get("/sites/{site_id}", response_model=SitePublic, tags=["sites"])
def get_site(
    site_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> SitePublic:
    """One site."""
    site = sites.get_site(session, site_id, principal)
    response.headers["ETag"] = etag(site.version)
    return views.site_public(site)


@router.patch("/sites/{site_id}", response_model=SitePublic, tags=["sites"])
def update_site(
    site_id: uuid.UUID,
    body: SiteUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> SitePublic:
    """Change a site (If-Match or version required); moving it re-publishes its workers."""
    site = sites.update_site(session, site_id, body, principal, parse_if_match(if_match), request_id)
    response.headers["ETag"] = etag(site.version)
    return views.site_public(site)


@router.get("/sites/{site_id}/stats", response_model=SiteStats, tags=["sites"])
def site_stats(site_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> SiteStats:
    """Labour force, employed, employment rate and zero-employment households, by livelihood and category."""
    return stats.site_stats(session, site_id, principal)


@router.get(
    "/sites/{site_id}/stats.xlsx",
    tags=["sites"],
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the statistics as a workbook"}},
)
def site_stats_xlsx(site_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    """The same statistics as an Excel workbook."""
    report = stats.site_stats(session, site_id, principal)
    name = f"site-{site_id}-stats-{report.as_of.isoformat()}.xlsx"
    return Response(
        stats_xlsx(report),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# ------------------------------------------------------------------ households
@router.post(
    "/households", status_code=status.HTTP_201_CREATED, response_model=HouseholdPublic, tags=["households"]
)
def create_household(
    body: HouseholdCreate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> HouseholdPublic:
    """Register a household."""
    household = households.create_household(session, body, principal, request_id)
    response.headers["ETag"] = etag(household.version)
    response.headers["Location"] = f"/api/v1/households/{household.id}"
    return views.household_public(household)


@router.get("/households", response_model=Page[HouseholdPublic], tags=["households"])
def list_households(
    session: SessionDep,
    principal: PrincipalDep,
    site_id: uuid.UUID | None = None,
    zero_employment: bool | None = None,
    monitoring_category: MonitoringCategory | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[HouseholdPublic]:
    """Households in the caller's scope, newest first."""
    rows = repo.list_households(
        session, principal, site_id, zero_employment, monitoring_category, keyset_after(cursor), limit
    )
    return Page(items=[views.household_public(h) for h in rows], next_cursor=next_keyset_cursor(rows, limit))


@router.get("/households/{household_id}", response_model=HouseholdPublic, tags=["households"])
def get_household(
    household_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> HouseholdPublic:
    """One household."""
    household = households.get_household(session, household_id, principal)
    response.headers["ETag"] = etag(household.version)
    return views.household_public(household)


@router.patch("/households/{household_id}", response_model=HouseholdPublic, tags=["households"])
def update_household(
    household_id: uuid.UUID,
    body: HouseholdUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> HouseholdPublic:
    """Change a household (If-Match or version required)."""
    household = households.update_household(
        session, household_id, body, principal, parse_if_match(if_match), request_id
    )
    response.headers["ETag"] = etag(household.version)
    return views.household_public(household)


# ------------------------------------------------------------------ import (before /workers/{id})
@router.get(
    "/workers/import/template",
    tags=["workers"],
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the import template"}},
)
def import_template() -> Response:
    """The .xlsx template offices fill in (Chinese headers; English headers are accepted too)."""
    return Response(
        template_xlsx(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="anju-workers-template.xlsx"'},
    )


@router.post("/workers/import", response_model=ImportReport, tags=["workers"])
def import_upload(
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    file: Annotated[UploadFile, File(description=".xlsx, or .csv in UTF-8 or GBK; up to 50,000 rows")],
    site_id: Annotated[
        uuid.UUID | None, Form(description="site of every row without a site_id column")
    ] = None,
    dry_run: Annotated[bool, Form(description="validate only; store nothing")] = False,
) -> ImportReport:
    """Import workers: rejected rows are reported, valid new rows stored, known workers skipped."""
    limit = get_settings().import_max_bytes
    if file.size is not None and file.size > limit:
        raise Problem(
            413,
            f"上传文件过大: 超过 {limit} 字节 (the file is larger than {limit} bytes)",
            code="file-too-large",
        )
    return import_workers(
        session, file.file, file.filename or "", site_id, principal, dry_run=dry_run, request_id=request_id
    )


# ------------------------------------------------------------------ workers
@router.post("/workers", status_code=status.HTTP_201_CREATED, response_model=WorkerPublic, tags=["workers"])
def create_worker(
    body: WorkerCreate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> WorkerPublic:
    """Register a worker; worker.registered is published through the outbox."""
    worker = registration.create_worker(session, body, principal, request_id)
    response.headers["ETag"] = etag(worker.version)
    response.headers["Location"] = f"/api/v1/workers/{worker.id}"
    return views.worker_public(worker)


@router.get("/workers", response_model=Page[WorkerPublic] | Page[WorkerSharedPublic], tags=["workers"])
def list_workers(
    session: SessionDep,
    principal: PrincipalDep,
    site_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    skill: Annotated[
        str | None,
        Query(
            max_length=50,
            description="a skill: read with the vocabulary (缝纫 finds 平车工, 车位, sewing machinist); "
            "text in a skill name when it is not understood",
        ),
    ] = None,
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
    ids: Annotated[
        list[uuid.UUID] | None,
        Query(alias="id", max_length=100, description="only these workers (repeat `id`, up to 100)"),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[WorkerPublic] | Page[WorkerSharedPublic]:
    """Workers in the caller's scope, newest first; employers get the reduced view of their referrals."""
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
        ids=ids,
    )
    rows = repo.list_workers(session, principal, flt, keyset_after(cursor), limit)
    cursor_out = next_keyset_cursor(rows, limit)
    if principal.role == "employer":
        return Page[WorkerSharedPublic](items=[views.worker_shared(w) for w in rows], next_cursor=cursor_out)
    return Page[WorkerPublic](items=[views.worker_public(w) for w in rows], next_cursor=cursor_out)


@router.get("/workers/{worker_id}", response_model=WorkerPublic | WorkerSharedPublic, tags=["workers"])
def get_worker(
    worker_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> WorkerPublic | WorkerSharedPublic:
    """One worker (employers: only a referred worker who consented to share, in a reduced view)."""
    worker = registration.get_worker(session, worker_id, principal)
    response.headers["ETag"] = etag(worker.version)
    if principal.role == "employer":
        return views.worker_shared(worker)
    return views.worker_public(worker)


@router.patch("/workers/{worker_id}", response_model=WorkerPublic, tags=["workers"])
def update_worker(
    worker_id: uuid.UUID,
    body: WorkerUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
    if_match: IfMatch = None,
) -> WorkerPublic:
    """Change a worker's profile (If-Match or version required; stale gets 412/409)."""
    worker = registration.update_worker(
        session, worker_id, body, principal, parse_if_match(if_match), request_id
    )
    response.headers["ETag"] = etag(worker.version)
    return views.worker_public(worker)


@router.post("/workers/{worker_id}/deactivate", response_model=WorkerPublic, tags=["workers"])
def deactivate_worker(
    worker_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    body: DeactivateIn | None = None,
) -> WorkerPublic:
    """The worker moved away: stop matching and counting them."""
    reason = (body or DeactivateIn()).reason
    return views.worker_public(
        registration.deactivate_worker(session, worker_id, reason, principal, request_id)
    )


@router.post("/workers/{worker_id}/erase", response_model=WorkerPublic, tags=["workers"])
def erase_worker(
    worker_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, request_id: RequestIdDep
) -> WorkerPublic:
    """Erase the worker's personal data on request; anonymous statistics remain."""
    return views.worker_public(registration.erase_worker(session, worker_id, principal, request_id))


@router.post("/workers/{worker_id}/reveal", response_model=RevealOut, tags=["workers"])
def reveal_pii(
    worker_id: uuid.UUID,
    body: RevealIn,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
    response: Response,
) -> RevealOut:
    """The worker's full phone (or ID number) for office staff of the worker's site, e.g. to call after a
    failed SMS. A reason is required; who, when, which field and why are written to the audit log."""
    record, value = reveal.reveal(session, worker_id, body, principal, request_id)
    response.headers["Cache-Control"] = "no-store"
    return RevealOut(worker_id=worker_id, field=body.field, value=value, audit_id=record.id)


@router.get("/pii-reveals", response_model=Page[PiiRevealPublic], tags=["workers"])
def list_pii_reveals(
    session: SessionDep,
    principal: PrincipalDep,
    worker_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    actor: Annotated[str | None, Query(max_length=100, description="e.g. user:<id>")] = None,
    field: RevealField | None = None,
    since: Annotated[datetime | None, Query(description="from this time on (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="before this time (ISO 8601)")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PiiRevealPublic]:
    """The audit log of full phone and ID number reads, newest first (administrators only)."""
    flt = repo.RevealFilter(
        worker_id=worker_id, site_id=site_id, actor=actor, field=field, since=since, until=until
    )
    rows = reveal.list_reveals(session, principal, flt, keyset_after(cursor), limit)
    return Page(
        items=[PiiRevealPublic.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_keyset_cursor(rows, limit),
    )


@router.post("/workers/{worker_id}/employment", response_model=EmploymentOut, tags=["workers"])
def record_employment(
    worker_id: uuid.UUID,
    body: EmploymentIn,
    session: SessionDep,
    principal: PrincipalDep,
    request_id: RequestIdDep,
) -> EmploymentOut:
    """Record a change of employment; the household's zero-employment flag follows."""
    worker = placements.record_employment(
        session, worker_id, body.status, body.cause, body.job_id, principal, request_id
    )
    household = households.get_household(session, worker.household_id, principal)
    return EmploymentOut(worker=views.worker_public(worker), household=views.household_public(household))


# ------------------------------------------------------------------ internal (service token; not routed)
def require_service_token(
    runtime: RuntimeDep,
    token: Annotated[str | None, Header(alias=SERVICE_TOKEN_HEADER, include_in_schema=False)] = None,
) -> None:
    """Only other Anju services, holding the shared service token, may call /internal."""
    expected = runtime.settings.service_token
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Problem(401, f"{SERVICE_TOKEN_HEADER} is missing or wrong", code="bad-service-token")


internal = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[Depends(require_service_token)])


@internal.get("/workers/{worker_id}/contact", response_model=ContactPublic)
def worker_contact(worker_id: uuid.UUID, session: SessionDep) -> ContactPublic:
    """Phone (E.164), name and consent for sending an SMS (notifications service only)."""
    return contacts.contact(session, worker_id)


@internal.post("/workers/contacts", response_model=ContactsOut)
def worker_contacts(body: ContactsIn, session: SessionDep) -> ContactsOut:
    """The same as /contact for up to 500 workers at once (the notifications dispatcher's batch)."""
    return contacts.contacts(session, body.worker_ids)


@internal.post("/workers/lookup", response_model=LookupOut)
def lookup_worker(body: LookupIn, session: SessionDep) -> LookupOut:
    """Active workers with this phone number (for inbound SMS)."""
    return LookupOut(worker_ids=contacts.lookup_by_phone(session, body.phone))
