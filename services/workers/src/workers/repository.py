"""All queries of the workers service."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anju_common.bulk import copy_rows
from anju_common.events import EmploymentStatus, Event, LivelihoodType, MonitoringCategory
from anju_common.outbox import mark_outbox_written, outbox_rows
from anju_common.pagination import newest_first
from anju_common.principal import Principal
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    delete,
    false,
    func,
    or_,
    true,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from workers.models import Household, PiiReveal, Site, Worker, WorkerReferral, event_tables, metadata

EMPLOYED_STATUSES = (EmploymentStatus.employed, EmploymentStatus.seasonal)
_IN_CHUNK = 5_000


@dataclass(frozen=True)
class WorkerFilter:
    """Filters of GET /workers."""

    site_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    skill: str | None = None
    skill_ids: tuple[str, ...] = ()  # the trades the skill query means (then any of them matches too)
    employment_status: EmploymentStatus | None = None
    livelihood_type: LivelihoodType | None = None
    zero_employment: bool | None = None
    active: bool = True
    name: str | None = None
    phone_last4_hash: str | None = None
    id_last4_hash: str | None = None
    ids: tuple[uuid.UUID, ...] = ()  # only these workers (a page naming the workers it lists)


def _site_scope(column: Any, principal: Principal) -> ColumnElement[bool]:
    if principal.role in ("admin", "service"):
        return true()
    if principal.role == "office_staff":
        return col(column).in_(principal.site_ids) if principal.site_ids else false()
    return false()


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ------------------------------------------------------------------ sites
def get_site(session: Session, site_id: uuid.UUID) -> Site | None:
    """One site by id."""
    return session.get(Site, site_id)


def list_sites(
    session: Session, principal: Principal, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Site]:
    """Sites in the caller's scope (employers see every site: names and places are public)."""
    stmt = select(Site)
    if principal.role == "office_staff":
        stmt = stmt.where(_site_scope(Site.id, principal))
    return list(session.exec(newest_first(stmt, Site, after, limit)))


def sites_by_ids(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Site]:
    """Sites keyed by id."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {s.id: s for s in session.exec(select(Site).where(col(Site.id).in_(wanted)))}


# ------------------------------------------------------------------ households
def get_household(session: Session, household_id: uuid.UUID, *, for_update: bool = False) -> Household | None:
    """One household by id."""
    stmt = select(Household).where(col(Household.id) == household_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def household_by_ref(session: Session, site_id: uuid.UUID, ref: str) -> Household | None:
    """A household by the office's reference within a site."""
    stmt = select(Household).where(col(Household.site_id) == site_id, col(Household.household_ref) == ref)
    return session.exec(stmt).first()


def households_of_site(session: Session, site_id: uuid.UUID) -> list[Household]:
    """Every household of a site that has an office reference (an import matches rows against them)."""
    stmt = select(Household).where(
        col(Household.site_id) == site_id, col(Household.household_ref).is_not(None)
    )
    return list(session.exec(stmt))


def households_by_ids(
    session: Session, ids: Iterable[uuid.UUID], *, for_update: bool = False
) -> list[Household]:
    """Households by id, in id order (a stable lock order)."""
    wanted = sorted(set(ids))
    out: list[Household] = []
    for part in _chunks(wanted):
        stmt = select(Household).where(col(Household.id).in_(part)).order_by(col(Household.id))
        if for_update:
            stmt = stmt.with_for_update()
        out.extend(session.exec(stmt))
    return out


def list_households(
    session: Session,
    principal: Principal,
    site_id: uuid.UUID | None,
    zero_employment: bool | None,
    monitoring_category: MonitoringCategory | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Household]:
    """Households in scope matching the filters, newest first."""
    stmt = select(Household).where(_site_scope(Household.site_id, principal))
    if site_id:
        stmt = stmt.where(col(Household.site_id) == site_id)
    if zero_employment is not None:
        stmt = stmt.where(col(Household.zero_employment) == zero_employment)
    if monitoring_category:
        stmt = stmt.where(col(Household.monitoring_category) == monitoring_category)
    return list(session.exec(newest_first(stmt, Household, after, limit)))


def member_counts(session: Session, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """(active workers, employed workers) per household."""
    out: dict[uuid.UUID, tuple[int, int]] = {}
    employed = func.sum(case((col(Worker.employment_status).in_(EMPLOYED_STATUSES), 1), else_=0))
    for part in _chunks(list(household_ids)):
        stmt = (
            select(col(Worker.household_id), func.count(), employed)
            .where(col(Worker.household_id).in_(part), col(Worker.active).is_(True))
            .group_by(col(Worker.household_id))
        )
        for hid, active, emp in session.exec(stmt):
            out[hid] = (int(active), int(emp or 0))
    return out


# ------------------------------------------------------------------ workers
def worker_scope(principal: Principal) -> ColumnElement[bool]:
    """Which workers a principal may see: staff their sites', employers the referred and consenting ones."""
    if principal.role == "employer":
        if principal.employer_id is None:
            return false()
        referred = select(col(WorkerReferral.worker_id)).where(
            col(WorkerReferral.employer_id) == principal.employer_id
        )
        return and_(
            col(Worker.id).in_(referred),
            col(Worker.share_consent).is_(True),
            col(Worker.active).is_(True),
        )
    return _site_scope(Worker.site_id, principal)


def get_worker(
    session: Session, worker_id: uuid.UUID, principal: Principal | None = None, *, for_update: bool = False
) -> Worker | None:
    """One worker, within the principal's scope when one is given."""
    stmt = select(Worker).where(col(Worker.id) == worker_id)
    if principal is not None:
        stmt = stmt.where(worker_scope(principal))
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def workers_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Worker]:
    """Workers keyed by id (unscoped: internal callers only)."""
    found: dict[uuid.UUID, Worker] = {}
    for chunk in _chunks(list(dict.fromkeys(ids))):
        found.update((w.id, w) for w in session.exec(select(Worker).where(col(Worker.id).in_(chunk))))
    return found


def list_workers(
    session: Session,
    principal: Principal,
    flt: WorkerFilter,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Worker]:
    """Workers in scope matching the filters, newest first, keyset-paginated."""
    stmt = select(Worker).where(worker_scope(principal))
    if flt.site_id:
        stmt = stmt.where(col(Worker.site_id) == flt.site_id)
    if flt.household_id:
        stmt = stmt.where(col(Worker.household_id) == flt.household_id)
    if flt.ids:
        stmt = stmt.where(col(Worker.id).in_(flt.ids))
    if flt.employment_status:
        stmt = stmt.where(col(Worker.employment_status) == flt.employment_status)
    if flt.livelihood_type:
        stmt = stmt.where(col(Worker.livelihood_type) == flt.livelihood_type)
    stmt = stmt.where(col(Worker.active).is_(flt.active))
    if flt.skill:
        needle = f"%{flt.skill.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                col(Worker.skills_text).like(needle),
                *(col(Worker.skill_ids).contains(f"|{ident}|", autoescape=True) for ident in flt.skill_ids),
            )
        )
    if flt.zero_employment is not None:
        zero = select(col(Household.id)).where(col(Household.zero_employment).is_(flt.zero_employment))
        stmt = stmt.where(col(Worker.household_id).in_(zero))
    if flt.name:
        needle = flt.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(col(Worker.name).ilike(f"%{needle}%", escape="\\"))
    if flt.phone_last4_hash:
        stmt = stmt.where(col(Worker.phone_last4_hash) == flt.phone_last4_hash)
    if flt.id_last4_hash:
        stmt = stmt.where(col(Worker.id_last4_hash) == flt.id_last4_hash)
    return list(session.exec(newest_first(stmt, Worker, after, limit)))


def worker_ids_by_phone_hash(session: Session, phone_hash: str) -> list[uuid.UUID]:
    """Active workers whose phone has this keyed hash."""
    stmt = (
        select(col(Worker.id))
        .where(col(Worker.phone_hash) == phone_hash, col(Worker.active).is_(True))
        .order_by(col(Worker.created_at))
    )
    return list(session.exec(stmt))


def worker_by_natural_key(
    session: Session, id_number_hash: str | None, phone_name_hash: str | None
) -> Worker | None:
    """A worker with this ID number, or else this phone and name."""
    if id_number_hash:
        found = session.exec(select(Worker).where(col(Worker.id_number_hash) == id_number_hash)).first()
        if found:
            return found
    if phone_name_hash:
        return session.exec(select(Worker).where(col(Worker.phone_name_hash) == phone_name_hash)).first()
    return None


def existing_keys(
    session: Session, id_hashes: Sequence[str], phone_name_hashes: Sequence[str]
) -> tuple[set[str], set[str]]:
    """Which of these natural-key hashes are already registered."""
    return _registered(session, col(Worker.id_number_hash), id_hashes), _registered(
        session, col(Worker.phone_name_hash), phone_name_hashes
    )


def _registered(session: Session, column: Any, hashes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    postgres = session.connection().dialect.name == "postgresql"
    for part in _chunks(list(hashes)):
        # One array parameter on PostgreSQL: an IN list of 2,000 bound values cost more to compile and
        # send than the lookup itself.
        where = (
            column == any_(bindparam("hashes", part, type_=ARRAY(String))) if postgres else column.in_(part)
        )
        found.update(h for h in session.exec(select(column).where(where)) if h)
    return found


def insert_workers(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk insert of prepared worker rows."""
    copy_rows(session, metadata.tables["worker"], rows)


def insert_households(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk insert of prepared household rows."""
    copy_rows(session, metadata.tables["household"], rows)


_RECOUNT = Table(
    "household_recount",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("labour_capable_count", Integer),
    Column("employed_count", Integer),
    Column("zero_employment", Boolean),
    Column("zero_employment_since", Date),
    Column("version", Integer),
    Column("updated_at", DateTime(timezone=True)),
)


def update_households(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write the derived signals of many households (keys as _RECOUNT's columns): on PostgreSQL COPY into a
    temporary table and one UPDATE ... FROM, instead of one UPDATE per household."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        table = metadata.tables["household"]
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            session.execute(update(table).where(table.c.id == row["id"]).values(**values))
        return
    connection.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS household_recount (id uuid PRIMARY KEY, labour_capable_count int,"
        " employed_count int, zero_employment bool, zero_employment_since date, version int,"
        " updated_at timestamptz) ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql("DELETE FROM household_recount")
    copy_rows(session, _RECOUNT, rows)
    connection.exec_driver_sql(
        "UPDATE household h SET labour_capable_count = r.labour_capable_count,"
        " employed_count = r.employed_count, zero_employment = r.zero_employment,"
        " zero_employment_since = r.zero_employment_since, version = r.version, updated_at = r.updated_at"
        " FROM household_recount r WHERE h.id = r.id"
    )


def active_workers_of_site(session: Session, site_id: uuid.UUID) -> list[Worker]:
    """Every active worker of a site."""
    stmt = select(Worker).where(col(Worker.site_id) == site_id, col(Worker.active).is_(True))
    return list(session.exec(stmt))


def workers_needing_rotation(session: Session, active_kid: str, limit: int) -> list[Worker]:
    """Workers whose phone or ID ciphertext was sealed with an older key."""
    prefix = f"{active_kid}:%"
    stmt = (
        select(Worker)
        .where(
            or_(
                and_(col(Worker.phone_enc).is_not(None), ~col(Worker.phone_enc).like(prefix)),
                and_(col(Worker.id_number_enc).is_not(None), ~col(Worker.id_number_enc).like(prefix)),
            )
        )
        .order_by(col(Worker.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt))


# ------------------------------------------------------------------ referrals
def referral_exists(session: Session, worker_id: uuid.UUID, employer_id: uuid.UUID) -> bool:
    """Whether the employer has had this worker referred."""
    return session.get(WorkerReferral, (worker_id, employer_id)) is not None


def add_referral(session: Session, referral: WorkerReferral) -> None:
    """Store a referral."""
    session.add(referral)


def delete_referrals(session: Session, worker_id: uuid.UUID) -> None:
    """Forget every referral of a worker."""
    for ref in session.exec(select(WorkerReferral).where(col(WorkerReferral.worker_id) == worker_id)):
        session.delete(ref)


# ------------------------------------------------------------------ stats
def livelihood_counts(session: Session, site_id: uuid.UUID) -> list[tuple[LivelihoodType, int, int]]:
    """(livelihood type, active workers, employed) at a site."""
    employed = func.sum(case((col(Worker.employment_status).in_(EMPLOYED_STATUSES), 1), else_=0))
    stmt = (
        select(col(Worker.livelihood_type), func.count(), employed)
        .where(col(Worker.site_id) == site_id, col(Worker.active).is_(True))
        .group_by(col(Worker.livelihood_type))
    )
    return [(lt, int(n), int(e or 0)) for lt, n, e in session.exec(stmt)]


def category_counts(
    session: Session, site_id: uuid.UUID
) -> list[tuple[MonitoringCategory, int, int, int, int]]:
    """(category, households, zero-employment households, labour force, employed) at a site."""
    zero = func.sum(case((col(Household.zero_employment).is_(True), 1), else_=0))
    stmt = (
        sa_select(
            col(Household.monitoring_category),
            func.count(),
            zero,
            func.sum(col(Household.labour_capable_count)),
            func.sum(col(Household.employed_count)),
        )
        .where(col(Household.site_id) == site_id)
        .group_by(col(Household.monitoring_category))
    )
    return [(c, int(n), int(z or 0), int(lf or 0), int(e or 0)) for c, n, z, lf, e in session.execute(stmt)]


def zero_employment_households(session: Session, site_id: uuid.UUID, limit: int) -> list[Household]:
    """Zero-employment households of a site, longest first."""
    stmt = (
        select(Household)
        .where(col(Household.site_id) == site_id, col(Household.zero_employment).is_(True))
        .order_by(col(Household.zero_employment_since).asc().nulls_last(), col(Household.id))
        .limit(limit)
    )
    return list(session.exec(stmt))


# ------------------------------------------------------------------ outbox
def delete_published_events(session: Session, key: str) -> None:
    """Drop already published outbox rows of one aggregate (their payloads held its profile)."""
    outbox = event_tables.outbox
    session.execute(delete(outbox).where(outbox.c.key == key, outbox.c.published_at.is_not(None)))


def record_events(session: Session, events: Sequence[Event], topic_prefix: str) -> None:
    """Write many events into the outbox with one bulk insert (bulk import)."""
    insert_outbox(session, outbox_rows(events, topic_prefix=topic_prefix))


def insert_outbox(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write prepared outbox rows (anju_common.outbox.outbox_rows' columns) with one bulk insert."""
    if rows:
        copy_rows(session, event_tables.outbox, rows)
        mark_outbox_written(session)


# ------------------------------------------------------------------ reveal audit
@dataclass(frozen=True)
class RevealFilter:
    """Filters of the reveal audit log."""

    worker_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    actor: str | None = None
    field: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_reveals(
    session: Session, flt: RevealFilter, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[PiiReveal]:
    """Audit records matching the filters, newest first."""
    stmt = select(PiiReveal)
    if flt.worker_id:
        stmt = stmt.where(col(PiiReveal.worker_id) == flt.worker_id)
    if flt.site_id:
        stmt = stmt.where(col(PiiReveal.site_id) == flt.site_id)
    if flt.actor:
        stmt = stmt.where(col(PiiReveal.actor) == flt.actor)
    if flt.field:
        stmt = stmt.where(col(PiiReveal.field) == flt.field)
    if flt.since:
        stmt = stmt.where(col(PiiReveal.created_at) >= flt.since)
    if flt.until:
        stmt = stmt.where(col(PiiReveal.created_at) < flt.until)
    return list(session.exec(newest_first(stmt, PiiReveal, after, limit)))


def same_person_in_household(
    session: Session, household_id: uuid.UUID, phone_hash: str, name: str, exclude: uuid.UUID
) -> Worker | None:
    """Another worker of the household with this phone and name."""
    return session.exec(
        select(Worker).where(
            col(Worker.household_id) == household_id,
            col(Worker.phone_hash) == phone_hash,
            col(Worker.name) == name,
            col(Worker.id) != exclude,
        )
    ).first()
