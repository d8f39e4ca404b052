"""Queries of placements, follow-ups, site alerts and the employment snapshots behind them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from anju_common.pagination import newest_first
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from workers.models import (
    FollowUp,
    Household,
    Placement,
    PlacementJob,
    SiteAlert,
    SiteEmploymentMonth,
    Worker,
)
from workers.repository import EMPLOYED_STATUSES

OPEN_FOLLOW_UP = ("scheduled", "due", "overdue")


# ------------------------------------------------------------------ placements
def get_placement(session: Session, placement_id: uuid.UUID, *, for_update: bool = False) -> Placement | None:
    """One placement by id."""
    stmt = select(Placement).where(col(Placement.id) == placement_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def placement_by_match(session: Session, match_id: uuid.UUID) -> Placement | None:
    """The placement a hire created."""
    return session.exec(select(Placement).where(col(Placement.match_id) == match_id)).first()


def active_placements_of_worker(session: Session, worker_id: uuid.UUID) -> list[Placement]:
    """A worker's placements still active, oldest first, locked."""
    stmt = (
        select(Placement)
        .where(col(Placement.worker_id) == worker_id, col(Placement.status) == "active")
        .order_by(col(Placement.started_on), col(Placement.id))
        .with_for_update()
    )
    return list(session.exec(stmt))


def placements_of_worker(
    session: Session, worker_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Placement]:
    """A worker's placements, newest first."""
    stmt = select(Placement).where(col(Placement.worker_id) == worker_id)
    return list(session.exec(newest_first(stmt, Placement, after, limit)))


def placements_of_job_missing_terms(session: Session, job_id: uuid.UUID) -> list[Placement]:
    """Placements of a job whose employer or kind is not known yet (the job's event came after the hire)."""
    stmt = select(Placement).where(
        col(Placement.job_id) == job_id,
        (col(Placement.job_kind).is_(None)) | (col(Placement.employer_name) == ""),
    )
    return list(session.exec(stmt))


def placements_of_site(session: Session, site_id: uuid.UUID) -> list[Placement]:
    """Every placement that started at a site (retention statistics)."""
    return list(session.exec(select(Placement).where(col(Placement.site_id) == site_id)))


def get_placement_job(session: Session, job_id: uuid.UUID) -> PlacementJob | None:
    """What jobs.events said about a job."""
    return session.get(PlacementJob, job_id)


def save(session: Session, row: object) -> None:
    """Add a row to the session."""
    session.add(row)


# ------------------------------------------------------------------ follow-ups
def get_follow_up(session: Session, follow_up_id: uuid.UUID, *, for_update: bool = False) -> FollowUp | None:
    """One follow-up by id."""
    stmt = select(FollowUp).where(col(FollowUp.id) == follow_up_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def follow_ups_of(session: Session, placement_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[FollowUp]]:
    """Follow-ups of these placements by placement, in due order."""
    out: dict[uuid.UUID, list[FollowUp]] = {p: [] for p in placement_ids}
    if not placement_ids:
        return out
    stmt = (
        select(FollowUp)
        .where(col(FollowUp.placement_id).in_(placement_ids))
        .order_by(col(FollowUp.due_on), col(FollowUp.month_offset), col(FollowUp.id))
    )
    for f in session.exec(stmt):
        out[f.placement_id].append(f)
    return out


def open_follow_ups(session: Session, placement_id: uuid.UUID) -> list[FollowUp]:
    """A placement's follow-ups not answered yet, in due order, locked."""
    stmt = (
        select(FollowUp)
        .where(col(FollowUp.placement_id) == placement_id, col(FollowUp.status).in_(OPEN_FOLLOW_UP))
        .order_by(col(FollowUp.due_on), col(FollowUp.id))
        .with_for_update()
    )
    return list(session.exec(stmt))


def falling_due(session: Session, on: date, limit: int) -> list[FollowUp]:
    """Scheduled follow-ups due by this date (SKIP LOCKED: replicas share the work)."""
    stmt = (
        select(FollowUp)
        .where(col(FollowUp.status) == "scheduled", col(FollowUp.due_on) <= on)
        .order_by(col(FollowUp.due_on), col(FollowUp.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt))


def going_overdue(session: Session, fell_due_by: date, limit: int) -> list[FollowUp]:
    """Follow-ups that fell due on or before this date and are still unanswered."""
    stmt = (
        select(FollowUp)
        .where(col(FollowUp.status) == "due", col(FollowUp.fell_due_on) <= fell_due_by)
        .order_by(col(FollowUp.fell_due_on), col(FollowUp.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt))


# ------------------------------------------------------------------ alerts and snapshots
def alert_exists(session: Session, dedupe_key: str) -> bool:
    """Whether this alert was raised already."""
    return (
        session.exec(select(SiteAlert.id).where(col(SiteAlert.dedupe_key) == dedupe_key)).first() is not None
    )


def alerts_of_month(session: Session, site_id: uuid.UUID, kind: str, month: str) -> list[SiteAlert]:
    """A site's alerts of one kind in a month, oldest first."""
    stmt = (
        select(SiteAlert)
        .where(col(SiteAlert.site_id) == site_id, col(SiteAlert.kind) == kind, col(SiteAlert.month) == month)
        .order_by(col(SiteAlert.created_at), col(SiteAlert.id))
    )
    return list(session.exec(stmt))


def employed_by_site(session: Session) -> dict[uuid.UUID, int]:
    """Employed active workers per site (every site with a worker)."""
    employed = func.sum(case((col(Worker.employment_status).in_(EMPLOYED_STATUSES), 1), else_=0))
    stmt = (
        select(col(Worker.site_id), employed)
        .where(col(Worker.active).is_(True))
        .group_by(col(Worker.site_id))
    )
    return {site: int(n or 0) for site, n in session.exec(stmt)}


def employment_months(session: Session, month: str) -> dict[uuid.UUID, SiteEmploymentMonth]:
    """Every site's snapshot of a month."""
    stmt = select(SiteEmploymentMonth).where(col(SiteEmploymentMonth.month) == month)
    return {row.site_id: row for row in session.exec(stmt)}


def households_by_id(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Household]:
    """Households keyed by id."""
    if not ids:
        return {}
    return {h.id: h for h in session.exec(select(Household).where(col(Household.id).in_(ids)))}


def refusals_of_site(session: Session, site_id: uuid.UUID) -> list[Worker]:
    """Active workers of a site who refused automated matching, in the order they refused."""
    stmt = (
        select(Worker)
        .where(
            col(Worker.site_id) == site_id,
            col(Worker.active).is_(True),
            col(Worker.automated_matching_refused).is_(True),
        )
        .order_by(col(Worker.automated_matching_refused_at), col(Worker.id))
    )
    return list(session.exec(stmt))
