"""The yearly service standard: a ledger of what each worker received and who is short of what.

Job recommendations come from matching's match.proposed (automatic and staff proposals alike), training
notices from training.offered, guidance contacts (and any service given off-system) from staff records.
An entry counts in the calendar year of the offices' time zone in which it happened.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from anju_common.clock import utcnow
from anju_common.errors import InvalidFieldError
from anju_common.events import MatchProposedData, TrainingOfferedData
from anju_common.pii import mask_phone
from anju_common.principal import Principal
from sqlmodel import Session

from workers import departure_repository as drepo
from workers.config import get_settings, today
from workers.departure_schemas import (
    ServiceContactIn,
    ServiceContactPublic,
    ServiceCounts,
    ServiceStandardReport,
    WorkerStandard,
)
from workers.guards import staff_only
from workers.identity import mask_name
from workers.models import ServiceContact
from workers.pii import decrypt_phone
from workers.registration import editable, get_worker
from workers.sites import get_site

KINDS = ("recommendation", "guidance", "training_notice")


def standard() -> ServiceCounts:
    """The configured yearly minimum per worker (WORKERS_STANDARD_*)."""
    s = get_settings()
    return ServiceCounts(
        recommendation=s.standard_recommendations,
        guidance=s.standard_guidance_contacts,
        training_notice=s.standard_training_notices,
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of a year in the offices' time zone."""
    tz = ZoneInfo(get_settings().timezone)
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def check_year(year: int | None) -> int:
    """The year asked for, this year by default; far past or future is a 422."""
    this = today().year
    if year is None:
        return this
    if not 2000 <= year <= this + 1:
        raise InvalidFieldError("query.year", f"year must be between 2000 and {this + 1}")
    return year


def shortfalls(counts: ServiceCounts, std: ServiceCounts) -> ServiceCounts:
    """How many of each service are still missing to meet the standard."""
    return ServiceCounts(
        recommendation=max(std.recommendation - counts.recommendation, 0),
        guidance=max(std.guidance - counts.guidance, 0),
        training_notice=max(std.training_notice - counts.training_notice, 0),
    )


def _public(c: ServiceContact) -> ServiceContactPublic:
    return ServiceContactPublic.model_validate(c, from_attributes=True)


def record_contact(
    session: Session, worker_id: uuid.UUID, body: ServiceContactIn, principal: Principal
) -> ServiceContactPublic:
    """Staff record a service the worker received (a guidance talk, a recommendation by phone...)."""
    worker = editable(session, worker_id, principal)
    now = utcnow()
    occurred = body.occurred_at or now
    if occurred > now:
        raise InvalidFieldError("body.occurred_at", "must not be in the future")
    contact = ServiceContact(
        worker_id=worker.id,
        site_id=worker.site_id,
        kind=body.kind,
        channel=body.channel,
        source="staff",
        note=body.note,
        actor=principal.sub,
        occurred_at=occurred,
    )
    session.add(contact)
    session.flush()
    return _public(contact)


def worker_ledger(
    session: Session, worker_id: uuid.UUID, year: int | None, principal: Principal
) -> list[ServiceContactPublic]:
    """A worker's ledger entries of a year, oldest first."""
    staff_only(principal)
    worker = get_worker(session, worker_id, principal)
    start, end = year_bounds(check_year(year))
    return [_public(c) for c in drepo.service_contacts_of_worker(session, worker.id, start, end)]


def report(
    session: Session, site_id: uuid.UUID, year: int | None, principal: Principal, *, include_met: bool = False
) -> ServiceStandardReport:
    """A site's workers against the standard for a year: the short ones (or all), with what they miss."""
    staff_only(principal)
    site = get_site(session, site_id, principal)
    y = check_year(year)
    start, end = year_bounds(y)
    std = standard()
    counts = drepo.service_counts(session, site.id, start, end)
    items: list[WorkerStandard] = []
    total = meeting = 0
    short_of = {k: 0 for k in KINDS}
    for w in drepo.active_workers_ordered(session, site.id):
        total += 1
        got = ServiceCounts(**{k: counts.get(w.id, {}).get(k, 0) for k in KINDS})
        miss = shortfalls(got, std)
        met = all(getattr(miss, k) == 0 for k in KINDS)
        meeting += met
        for k in KINDS:
            short_of[k] += getattr(miss, k) > 0
        if met and not include_met:
            continue
        items.append(
            WorkerStandard(
                worker_id=w.id,
                household_id=w.household_id,
                name_masked=mask_name(w.name),
                phone_masked=mask_phone(decrypt_phone(w)),
                counts=got,
                shortfalls=miss,
                met=met,
            )
        )
    return ServiceStandardReport(
        site_id=site.id,
        site_name=site.name,
        year=y,
        as_of=today(),
        standard=std,
        workers=total,
        workers_meeting=meeting,
        workers_short=total - meeting,
        short_of=ServiceCounts(**short_of),
        items=items,
    )


# ------------------------------------------------------------------ from matching.events
def _from_event(
    kind: str, worker_id: uuid.UUID, site_id: uuid.UUID, ref: uuid.UUID, at: datetime
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "worker_id": worker_id,
        "site_id": site_id,
        "kind": kind,
        "channel": "system",
        "source": "matching",
        "ref_id": ref,
        "note": None,
        "actor": "matching",
        "occurred_at": at,
        "created_at": utcnow(),
    }


def on_matches_proposed(session: Session, proposals: list[tuple[MatchProposedData, datetime]]) -> None:
    """Jobs proposed to workers (automatic or by staff) are job recommendations: one insert for all."""
    rows = [_from_event("recommendation", d.worker_id, d.site_id, d.match_id, at) for d, at in proposals]
    drepo.add_service_contacts(session, rows)


def on_training_offered(session: Session, d: TrainingOfferedData, at: datetime) -> None:
    """A course offered to a worker is a training notice."""
    drepo.add_service_contact(session, _from_event("training_notice", d.worker_id, d.site_id, d.offer_id, at))
