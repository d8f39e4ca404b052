"""Queries of organised departures, accepted matches and the service-standard ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from anju_common.pagination import newest_first
from anju_common.principal import Principal
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from workers.models import AcceptedMatch, Departure, DepartureWorker, ServiceContact, Worker
from workers.repository import _site_scope

OPEN_STATUSES = ("planned", "departed")


# ------------------------------------------------------------------ departures
def get_departure(
    session: Session, departure_id: uuid.UUID, principal: Principal | None = None, *, for_update: bool = False
) -> Departure | None:
    """One departure, within the principal's sites when one is given."""
    stmt = select(Departure).where(col(Departure.id) == departure_id)
    if principal is not None:
        stmt = stmt.where(_site_scope(Departure.site_id, principal))
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_departures(
    session: Session,
    principal: Principal,
    site_id: uuid.UUID | None,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Departure]:
    """Departures in the caller's sites, newest first."""
    stmt = select(Departure).where(_site_scope(Departure.site_id, principal))
    if site_id:
        stmt = stmt.where(col(Departure.site_id) == site_id)
    if status:
        stmt = stmt.where(col(Departure.status) == status)
    return list(session.exec(newest_first(stmt, Departure, after, limit)))


def members(session: Session, departure_id: uuid.UUID) -> list[DepartureWorker]:
    """A departure's roster rows in the order the workers joined."""
    stmt = (
        select(DepartureWorker)
        .where(col(DepartureWorker.departure_id) == departure_id)
        .order_by(col(DepartureWorker.joined_at), col(DepartureWorker.worker_id))
    )
    return list(session.exec(stmt))


def member(
    session: Session, departure_id: uuid.UUID, worker_id: uuid.UUID, *, for_update: bool = False
) -> DepartureWorker | None:
    """One worker's roster row."""
    stmt = select(DepartureWorker).where(
        col(DepartureWorker.departure_id) == departure_id, col(DepartureWorker.worker_id) == worker_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def open_departure_of_worker(
    session: Session, worker_id: uuid.UUID, *, exclude: uuid.UUID | None = None
) -> Departure | None:
    """A planned departure the worker is already on (one at a time)."""
    stmt = (
        select(Departure)
        .join(DepartureWorker, col(DepartureWorker.departure_id) == col(Departure.id))
        .where(
            col(DepartureWorker.worker_id) == worker_id,
            col(DepartureWorker.status) != "no_show",
            col(Departure.status) == "planned",
        )
    )
    if exclude is not None:
        stmt = stmt.where(col(Departure.id) != exclude)
    return session.exec(stmt).first()


def latest_departure_of_worker(
    session: Session, worker_id: uuid.UUID, employer_id: uuid.UUID | None = None
) -> Departure | None:
    """The most recent departure the worker left with (not cancelled, not a no-show)."""
    stmt = (
        select(Departure)
        .join(DepartureWorker, col(DepartureWorker.departure_id) == col(Departure.id))
        .where(
            col(DepartureWorker.worker_id) == worker_id,
            col(DepartureWorker.status) != "no_show",
            col(Departure.status) != "cancelled",
        )
        .order_by(col(Departure.departs_at).desc())
    )
    if employer_id is not None:
        stmt = stmt.where(col(Departure.employer_id) == employer_id)
    return session.exec(stmt).first()


def departure_of_member_job(session: Session, worker_id: uuid.UUID, job_id: uuid.UUID) -> Departure | None:
    """The departure a worker joined from a match of this job (not cancelled, not a no-show)."""
    stmt = (
        select(Departure)
        .join(DepartureWorker, col(DepartureWorker.departure_id) == col(Departure.id))
        .where(
            col(DepartureWorker.worker_id) == worker_id,
            col(DepartureWorker.job_id) == job_id,
            col(DepartureWorker.status) != "no_show",
            col(Departure.status) != "cancelled",
        )
        .order_by(col(Departure.departs_at).desc())
    )
    return session.exec(stmt).first()


def workers_by_ids(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Worker]:
    """Workers keyed by id."""
    if not ids:
        return {}
    return {w.id: w for w in session.exec(select(Worker).where(col(Worker.id).in_(ids)))}


# ------------------------------------------------------------------ accepted matches
def upsert_accepted_match(session: Session, row: AcceptedMatch) -> None:
    """Record (or move on) a match the worker accepted."""
    values = {
        "match_id": row.match_id,
        "worker_id": row.worker_id,
        "job_id": row.job_id,
        "employer_id": row.employer_id,
        "job_title": row.job_title,
        "status": row.status,
        "updated_at": row.updated_at,
    }
    stmt = insert(AcceptedMatch).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["match_id"],
        set_={k: stmt.excluded[k] for k in ("status", "updated_at", "employer_id", "job_title")},
    )
    session.execute(stmt)


def delete_accepted_match(session: Session, match_id: uuid.UUID) -> None:
    """Forget a match that is no longer accepted (declined, rejected, expired, left)."""
    row = session.get(AcceptedMatch, match_id)
    if row is not None:
        session.delete(row)


def accepted_match(
    session: Session, worker_id: uuid.UUID, match_id: uuid.UUID | None, employer_id: uuid.UUID | None
) -> AcceptedMatch | None:
    """The named accepted match of the worker, or the worker's latest one with the employer."""
    stmt = select(AcceptedMatch).where(col(AcceptedMatch.worker_id) == worker_id)
    if match_id is not None:
        stmt = stmt.where(col(AcceptedMatch.match_id) == match_id)
    else:
        stmt = stmt.where(col(AcceptedMatch.employer_id) == employer_id)
    return session.exec(stmt.order_by(col(AcceptedMatch.updated_at).desc())).first()


# ------------------------------------------------------------------ service ledger
def add_service_contact(session: Session, values: dict[str, Any]) -> bool:
    """Insert a ledger entry; an event-derived one already recorded (same kind and ref) is skipped."""
    table = ServiceContact.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(**values).on_conflict_do_nothing(constraint="uq_service_contact_ref")
    # The row's id, not rowcount: the ORM's insert path reports -1 for a statement like this one.
    return session.execute(stmt.returning(table.c.id)).first() is not None


def add_service_contacts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert ledger entries in one statement; those already recorded (same kind and ref) are skipped."""
    if rows:
        table = ServiceContact.__table__  # type: ignore[attr-defined]
        session.execute(
            insert(table).values(rows).on_conflict_do_nothing(constraint="uq_service_contact_ref")
        )


def service_contacts_of_worker(
    session: Session, worker_id: uuid.UUID, start: datetime, end: datetime
) -> list[ServiceContact]:
    """A worker's ledger entries in [start, end), oldest first."""
    stmt = (
        select(ServiceContact)
        .where(
            col(ServiceContact.worker_id) == worker_id,
            col(ServiceContact.occurred_at) >= start,
            col(ServiceContact.occurred_at) < end,
        )
        .order_by(col(ServiceContact.occurred_at), col(ServiceContact.id))
    )
    return list(session.exec(stmt))


def service_counts(
    session: Session, site_id: uuid.UUID, start: datetime, end: datetime
) -> dict[uuid.UUID, dict[str, int]]:
    """Ledger entries per worker of a site's active workers and kind in [start, end)."""
    stmt = (
        select(col(ServiceContact.worker_id), col(ServiceContact.kind), func.count())
        .join(Worker, col(Worker.id) == col(ServiceContact.worker_id))
        .where(
            col(Worker.site_id) == site_id,
            col(Worker.active).is_(True),
            col(ServiceContact.occurred_at) >= start,
            col(ServiceContact.occurred_at) < end,
        )
        .group_by(col(ServiceContact.worker_id), col(ServiceContact.kind))
    )
    out: dict[uuid.UUID, dict[str, int]] = {}
    for worker_id, kind, n in session.exec(stmt):
        out.setdefault(worker_id, {})[kind] = int(n)
    return out


def active_workers_ordered(session: Session, site_id: uuid.UUID) -> list[Worker]:
    """A site's active workers in registration order."""
    stmt = (
        select(Worker)
        .where(col(Worker.site_id) == site_id, col(Worker.active).is_(True))
        .order_by(col(Worker.created_at), col(Worker.id))
    )
    return list(session.exec(stmt))
