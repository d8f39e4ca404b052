"""All queries of the matching service."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from anju_common.bulk import insert_rows
from anju_common.clock import utcnow
from anju_common.events import MatchStatus
from anju_common.principal import Principal
from sqlalchemy import (
    ColumnElement,
    Table,
    any_,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal_column,
    text,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from matching.lifecycle import (
    EMPLOYER_STATUSES,
    LIVE_OFFER_STATUSES,
    LIVE_STATUSES,
    OPEN_STATUSES,
    PAIR_STATUSES,
)
from matching.models import (
    HouseholdView,
    JobView,
    Match,
    MatchTransition,
    PendingProposal,
    TaxonomyAlias,
    TaxonomyUnknownTerm,
    TaxonomyUnknownUse,
    TrainingOffer,
    TrainingView,
    WorkerView,
    event_tables,
)


def _among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """column IN values; on PostgreSQL `= ANY(array)`: one statement text whatever the number of values,
    so the driver's statement cache and prepared statements serve it (an expanded IN list is a new text
    for every length, parsed again when long)."""
    if session.get_bind().dialect.name != "postgresql":
        return col(column).in_(list(values))
    return col(column) == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))


# ------------------------------------------------------------------ read model
def get_job_view(session: Session, job_id: uuid.UUID, *, for_update: bool = False) -> JobView | None:
    """The stored version of a job."""
    stmt = select(JobView).where(col(JobView.job_id) == job_id)
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def store_job_view_if_newer(session: Session, values: dict[str, Any]) -> bool | None:
    """Insert a job's view, or update it when values["version"] is newer, in one statement (PostgreSQL);
    True when inserted, False when updated, None when the stored version is as new or newer."""
    inserted = session.execute(_job_view_upsert(tuple(values)), values).scalar_one_or_none()
    return None if inserted is None else bool(inserted)


@functools.cache
def _job_view_upsert(columns: tuple[str, ...]) -> Any:
    """The upsert of store_job_view_if_newer for these columns, built once: building it for each job cost
    more than running it."""
    table = cast(Table, JobView.__table__)  # type: ignore[attr-defined]
    insert_ = postgresql.insert(table).values({c: bindparam(c) for c in columns})
    return insert_.on_conflict_do_update(
        index_elements=[table.c.job_id],
        set_={c: insert_.excluded[c] for c in columns if c != "job_id"},
        where=table.c.version < insert_.excluded.version,
    ).returning(literal_column("xmax = 0"))


def get_worker_view(session: Session, worker_id: uuid.UUID, *, for_update: bool = False) -> WorkerView | None:
    """The stored version of a worker."""
    stmt = select(WorkerView).where(col(WorkerView.worker_id) == worker_id)
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def get_household_view(
    session: Session, household_id: uuid.UUID, *, for_update: bool = False
) -> HouseholdView | None:
    """The stored version of a household."""
    stmt = select(HouseholdView).where(col(HouseholdView.household_id) == household_id)
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def get_training_view(
    session: Session, training_id: uuid.UUID, *, for_update: bool = False
) -> TrainingView | None:
    """The stored version of a course."""
    stmt = select(TrainingView).where(col(TrainingView.training_id) == training_id)
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def all_jobs(session: Session) -> Sequence[JobView]:
    """Every job with a payload (for loading the engine)."""
    return session.exec(select(JobView).where(col(JobView.data).is_not(None))).all()


def all_workers(session: Session) -> Sequence[WorkerView]:
    """Every worker with a payload."""
    return session.exec(select(WorkerView).where(col(WorkerView.data).is_not(None))).all()


def all_households(session: Session) -> Sequence[HouseholdView]:
    """Every household."""
    return session.exec(select(HouseholdView)).all()


def all_trainings(session: Session) -> Sequence[TrainingView]:
    """Every course with a payload."""
    return session.exec(select(TrainingView).where(col(TrainingView.data).is_not(None))).all()


def hired_counts(session: Session, job_ids: Sequence[uuid.UUID] | None = None) -> dict[uuid.UUID, int]:
    """Hires per job (of every job, or of these), from this service's own matches."""
    stmt = select(Match.job_id, func.count()).where(col(Match.status) == MatchStatus.hired)
    if job_ids is not None:
        stmt = stmt.where(col(Match.job_id).in_(list(job_ids)))
    rows = session.exec(stmt.group_by(col(Match.job_id))).all()
    return {job_id: int(n) for job_id, n in rows}


def hired_count(session: Session, job_id: uuid.UUID) -> int:
    """Hires of one job."""
    n = session.exec(
        select(func.count()).where(col(Match.job_id) == job_id, col(Match.status) == MatchStatus.hired)
    ).one()
    return int(n)


def households_due(session: Session, limit: int = 500) -> Sequence[HouseholdView]:
    """Zero-employment households not yet alerted for their current spell, locked for this checker."""
    stmt = (
        select(HouseholdView)
        .where(
            col(HouseholdView.zero_employment).is_(True),
            col(HouseholdView.zero_employment_since).is_not(None),
            (col(HouseholdView.alerted_since).is_(None))
            | (col(HouseholdView.alerted_since) != col(HouseholdView.zero_employment_since)),
        )
        .order_by(col(HouseholdView.zero_employment_since))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(stmt).all()


def clear_read_model(session: Session) -> None:
    """Empty everything this service derives from events (for a rebuild); the outbox is kept."""
    for model in (
        MatchTransition,
        TrainingOffer,
        Match,
        JobView,
        TrainingView,
        WorkerView,
        HouseholdView,
        TaxonomyUnknownUse,
        TaxonomyUnknownTerm,
    ):
        session.execute(delete(model))
    session.execute(delete(event_tables.inbox))


# ------------------------------------------------------------------ matches
def get_match(session: Session, match_id: uuid.UUID, *, for_update: bool = False) -> Match | None:
    """One match."""
    stmt = select(Match).where(col(Match.id) == match_id)
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def matches_by_proposed_events(session: Session, event_ids: Collection[uuid.UUID]) -> Sequence[Match]:
    """The matches whose match.proposed events have these ids, locked in id order (no deadlock between
    two batches)."""
    return session.exec(
        select(Match)
        .where(col(Match.proposed_event_id).in_(list(event_ids)))
        .order_by(col(Match.id))
        .with_for_update()
    ).all()


def _pair_blocked(since: datetime) -> ColumnElement[bool]:
    """A match that keeps its pair from a new proposal: still live (or hired), or ended after `since`."""
    return col(Match.status).in_(PAIR_STATUSES) | (col(Match.updated_at) >= since)


def matched_workers(session: Session, job_id: uuid.UUID, since: datetime) -> set[uuid.UUID]:
    """Workers who may not be proposed this job now: a live match, or one that ended after `since`."""
    stmt = select(Match.worker_id).where(col(Match.job_id) == job_id, _pair_blocked(since))
    return set(session.exec(stmt).all())


def blocking_matches_of_job(
    session: Session, job_id: uuid.UUID, since: datetime
) -> list[tuple[uuid.UUID, MatchStatus]]:
    """The job's matches that keep their pair from a new proposal (live, hired, or ended after `since`):
    worker and status, in one query (its open and hired counts and the workers to skip)."""
    stmt = select(Match.worker_id, Match.status).where(col(Match.job_id) == job_id, _pair_blocked(since))
    return [(worker_id, MatchStatus(status)) for worker_id, status in session.exec(stmt).all()]


def blocking_matches_of_jobs(
    session: Session, job_ids: Sequence[uuid.UUID], since: datetime
) -> dict[uuid.UUID, list[tuple[uuid.UUID, MatchStatus]]]:
    """blocking_matches_of_job for many jobs in one query: job -> its blocking (worker, status) pairs."""
    out: dict[uuid.UUID, list[tuple[uuid.UUID, MatchStatus]]] = {job_id: [] for job_id in job_ids}
    if not out:
        return out
    stmt = select(Match.job_id, Match.worker_id, Match.status).where(
        _among(session, Match.job_id, list(out)), _pair_blocked(since)
    )
    for job_id, worker_id, status in session.exec(stmt).all():
        out[job_id].append((worker_id, MatchStatus(status)))
    return out


def matched_jobs(session: Session, worker_id: uuid.UUID, since: datetime) -> set[uuid.UUID]:
    """Jobs that may not be proposed to this worker now: a live match, or one that ended after `since`."""
    stmt = select(Match.job_id).where(col(Match.worker_id) == worker_id, _pair_blocked(since))
    return set(session.exec(stmt).all())


def live_match_of_pair(
    session: Session, job_id: uuid.UUID, worker_id: uuid.UUID, *, for_update: bool = False
) -> Match | None:
    """The pair's live (or hired) match, if any; at most one exists."""
    stmt = select(Match).where(
        col(Match.job_id) == job_id, col(Match.worker_id) == worker_id, col(Match.status).in_(PAIR_STATUSES)
    )
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def latest_match_of_pair(session: Session, job_id: uuid.UUID, worker_id: uuid.UUID) -> Match | None:
    """The pair's most recent match (live first), if any."""
    live = live_match_of_pair(session, job_id, worker_id)
    if live is not None:
        return live
    return session.exec(
        select(Match)
        .where(col(Match.job_id) == job_id, col(Match.worker_id) == worker_id)
        .order_by(col(Match.updated_at).desc(), col(Match.id))
    ).first()


def hired_match_of_pair(session: Session, job_id: uuid.UUID, worker_id: uuid.UUID) -> Match | None:
    """The pair's hired match, locked."""
    return session.exec(
        select(Match)
        .where(
            col(Match.job_id) == job_id,
            col(Match.worker_id) == worker_id,
            col(Match.status) == MatchStatus.hired,
        )
        .with_for_update()
    ).first()


def hired_matches_of_worker(session: Session, worker_id: uuid.UUID) -> Sequence[Match]:
    """A worker's hired matches, locked."""
    return session.exec(
        select(Match)
        .where(col(Match.worker_id) == worker_id, col(Match.status) == MatchStatus.hired)
        .order_by(col(Match.created_at), col(Match.id))
        .with_for_update()
    ).all()


def automatic_open_matches_of_worker(session: Session, worker_id: uuid.UUID) -> Sequence[Match]:
    """A worker's open proposals that the system made (not those staff proposed by hand), locked."""
    by_system = select(MatchTransition.match_id).where(
        col(MatchTransition.from_status) == MatchStatus.proposed,
        col(MatchTransition.to_status) == MatchStatus.proposed,
        col(MatchTransition.actor) == "system",
    )
    return session.exec(
        select(Match)
        .where(
            col(Match.worker_id) == worker_id,
            col(Match.status).in_([MatchStatus.proposed, MatchStatus.notified]),
            col(Match.id).in_(by_system),
        )
        .order_by(col(Match.created_at), col(Match.id))
        .with_for_update()
    ).all()


def insert_new_matches(session: Session, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert proposals in one statement, skipping pairs that already have a live match (another replica
    proposed them at the same moment); returns the ids actually inserted."""
    return insert_rows(session, Match, rows, skip_conflicts=True, key="id")


def insert_transitions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert match transitions in one statement."""
    insert_rows(session, MatchTransition, rows)


def open_count_for_job(session: Session, job_id: uuid.UUID) -> int:
    """Open proposals of a job."""
    n = session.exec(
        select(func.count()).where(col(Match.job_id) == job_id, col(Match.status).in_(OPEN_STATUSES))
    ).one()
    return int(n)


def open_counts_for_jobs(session: Session, job_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Open proposals per job."""
    ids = list(job_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Match.job_id, func.count())
        .where(_among(session, Match.job_id, ids), col(Match.status).in_(OPEN_STATUSES))
        .group_by(col(Match.job_id))
    ).all()
    return {j: int(n) for j, n in rows}


def weekly_open_counts(
    session: Session, worker_ids: Iterable[uuid.UUID], since: datetime
) -> dict[uuid.UUID, int]:
    """Open proposals made to each worker since a moment (the rolling week)."""
    ids = list(worker_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Match.worker_id, func.count())
        .where(
            _among(session, Match.worker_id, ids),
            col(Match.status).in_(OPEN_STATUSES),
            col(Match.created_at) >= since,
        )
        .group_by(col(Match.worker_id))
    ).all()
    return {w: int(n) for w, n in rows}


def best_live_scores(session: Session, worker_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Each worker's best score among live proposals."""
    ids = list(worker_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Match.worker_id, func.max(Match.score))
        .where(col(Match.worker_id).in_(ids), col(Match.status).in_(LIVE_STATUSES))
        .group_by(col(Match.worker_id))
    ).all()
    return {w: float(s) for w, s in rows}


def live_matches_of_job(session: Session, job_id: uuid.UUID) -> Sequence[Match]:
    """Matches of a job that a closing job expires, locked."""
    return session.exec(
        select(Match)
        .where(col(Match.job_id) == job_id, col(Match.status).in_(LIVE_STATUSES))
        .order_by(col(Match.created_at), col(Match.id))
        .with_for_update()
    ).all()


def open_matches_of_worker(
    session: Session, worker_id: uuid.UUID, statuses: Iterable[MatchStatus] = LIVE_STATUSES
) -> Sequence[Match]:
    """A worker's matches in the given statuses, locked."""
    return session.exec(
        select(Match)
        .where(col(Match.worker_id) == worker_id, col(Match.status).in_(list(statuses)))
        .order_by(col(Match.created_at), col(Match.id))
        .with_for_update()
    ).all()


def _consenting_workers() -> Any:
    """Workers who agreed to share their profile with employers (share_consent in the read model)."""
    return select(WorkerView.worker_id).where(col(WorkerView.data)["share_consent"].as_boolean().is_(True))


def shares_with_employers(session: Session, worker_id: uuid.UUID) -> bool:
    """Whether the worker agreed that employers see them."""
    view = session.get(WorkerView, worker_id)
    return bool(view is not None and view.data and view.data.get("share_consent"))


def match_scope(principal: Principal) -> ColumnElement[bool]:
    """Which matches a principal may see."""
    if principal.role == "employer":
        if principal.employer_id is None:
            return false()
        return (
            (col(Match.employer_id) == principal.employer_id)
            & col(Match.status).in_(EMPLOYER_STATUSES)
            & col(Match.worker_id).in_(_consenting_workers())
        )
    if principal.role == "office_staff":
        return col(Match.site_id).in_(principal.site_ids)
    return true()


def matches_of_job(
    session: Session, job_id: uuid.UUID, principal: Principal, status: MatchStatus | None, limit: int
) -> Sequence[Match]:
    """A job's matches in scope, best first."""
    stmt = select(Match).where(col(Match.job_id) == job_id, match_scope(principal))
    if status:
        stmt = stmt.where(col(Match.status) == status)
    return session.exec(stmt.order_by(col(Match.score).desc(), col(Match.id)).limit(limit)).all()


def matches_of_worker(
    session: Session, worker_id: uuid.UUID, principal: Principal, status: MatchStatus | None, limit: int
) -> Sequence[Match]:
    """A worker's matches in scope, newest first."""
    stmt = select(Match).where(col(Match.worker_id) == worker_id, match_scope(principal))
    if status:
        stmt = stmt.where(col(Match.status) == status)
    return session.exec(stmt.order_by(col(Match.created_at).desc(), col(Match.id)).limit(limit)).all()


def transitions(session: Session, match_id: uuid.UUID) -> Sequence[MatchTransition]:
    """A match's history, oldest first."""
    return session.exec(
        select(MatchTransition)
        .where(col(MatchTransition.match_id) == match_id)
        .order_by(col(MatchTransition.id))
    ).all()


# ------------------------------------------------------------------ training offers
def get_offer(session: Session, offer_id: uuid.UUID, *, for_update: bool = False) -> TrainingOffer | None:
    """One training offer."""
    stmt = select(TrainingOffer).where(col(TrainingOffer.id) == offer_id)
    return session.exec(stmt.with_for_update() if for_update else stmt).first()


def offer_exists(session: Session, training_id: uuid.UUID, worker_id: uuid.UUID) -> bool:
    """Whether this course was already offered to this worker."""
    return (
        session.exec(
            select(TrainingOffer.id).where(
                col(TrainingOffer.training_id) == training_id, col(TrainingOffer.worker_id) == worker_id
            )
        ).first()
        is not None
    )


def insert_new_offer(session: Session, values: dict[str, Any]) -> bool:
    """Insert a training offer unless the course was offered to the worker already (another replica's
    course or worker pass at the same moment); whether it was inserted."""
    session.flush()  # pending ORM changes first, as an autoflush would
    return bool(insert_rows(session, TrainingOffer, [values], skip_conflicts=True, key="id"))


def offers_of_worker(session: Session, worker_id: uuid.UUID, limit: int = 50) -> Sequence[TrainingOffer]:
    """A worker's training offers, newest first."""
    return session.exec(
        select(TrainingOffer)
        .where(col(TrainingOffer.worker_id) == worker_id)
        .order_by(col(TrainingOffer.created_at).desc(), col(TrainingOffer.id))
        .limit(limit)
    ).all()


def open_offers_of_worker(session: Session, worker_id: uuid.UUID) -> Sequence[TrainingOffer]:
    """Offers a worker has not finished, locked."""
    return session.exec(
        select(TrainingOffer)
        .where(
            col(TrainingOffer.worker_id) == worker_id,
            col(TrainingOffer.status).in_(LIVE_OFFER_STATUSES),
        )
        .with_for_update()
    ).all()


# ------------------------------------------------------------------ following other replicas' writes
_SINCE = text("change_txid >= CAST(:since AS xid8)")


def snapshot_xmin(session: Session) -> int:
    """The oldest transaction still running: everything older is committed or gone (PostgreSQL)."""
    return int(
        session.connection()
        .execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text"))
        .scalar_one()
    )


def current_txid(session: Session) -> int:
    """The id of this session's transaction (assigned now if it had none)."""
    return int(session.connection().execute(text("SELECT pg_current_xact_id()::text")).scalar_one())


def changed_keys(session: Session, model: Any, since: int) -> list[tuple[Any, int]]:
    """Primary keys of the rows written by transactions from since on, with the writing transaction's id
    (a scan of the change index, without reading the rows)."""
    key = _primary_key(model)
    stmt: Any = select(key, literal_column("change_txid::text")).where(_SINCE.bindparams(since=str(since)))
    return [(k, int(txid)) for k, txid in session.exec(stmt).all()]


def rows_by_key(session: Session, model: Any, keys: Sequence[Any]) -> list[tuple[Any, int]]:
    """Stored rows by primary key, with the writing transaction's id (PostgreSQL: one array parameter)."""
    if not keys:
        return []
    key = _primary_key(model)
    stmt: Any = select(model, literal_column("change_txid::text")).where(
        key == any_(bindparam("keys", list(keys), type_=postgresql.ARRAY(key.type)))
    )
    return [(row, int(txid)) for row, txid in session.exec(stmt).all()]


def _primary_key(model: Any) -> Any:
    (key,) = model.__table__.primary_key.columns
    return key


def jobs_with_changed_matches(session: Session, since: int) -> list[tuple[uuid.UUID, int]]:
    """Jobs whose matches were written from since on (their free seats may have changed), with the
    writing transactions' ids."""
    stmt: Any = (
        select(Match.job_id, literal_column("change_txid::text"))
        .where(_SINCE.bindparams(since=str(since)))
        .distinct()
    )
    return [(job_id, int(txid)) for job_id, txid in session.exec(stmt).all()]


def add_pending_proposal(session: Session, kind: str, subject_id: uuid.UUID) -> int:
    """Ask for a job's or worker's proposals to be made after this transaction commits; the row's id."""
    row = {"kind": kind, "subject_id": subject_id, "created_at": utcnow()}
    return int(session.execute(_PENDING_INSERT, row).scalar_one())


_PENDING_TABLE = cast(Table, PendingProposal.__table__)  # type: ignore[attr-defined]
_PENDING_INSERT = (
    insert(_PENDING_TABLE)
    .values({c: bindparam(c) for c in ("kind", "subject_id", "created_at")})
    .returning(_PENDING_TABLE.c.id)
)


def claim_pending_proposals(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    before: datetime | None = None,
    limit: int = 100,
) -> Sequence[PendingProposal]:
    """Lock pending rows no other transaction holds (by id, or made before a moment), oldest first."""
    stmt = select(PendingProposal)
    if ids is not None:
        stmt = stmt.where(_among(session, PendingProposal.id, list(ids)))
    if before is not None:
        stmt = stmt.where(col(PendingProposal.created_at) < before)
    stmt = stmt.order_by(col(PendingProposal.id)).limit(limit).with_for_update(skip_locked=True)
    return session.exec(stmt).all()


def try_lock_subjects(
    session: Session, subjects: Sequence[tuple[str, uuid.UUID]]
) -> set[tuple[str, uuid.UUID]]:
    """Take transaction-long locks on jobs' or workers' proposing, each unless another transaction has it
    (PostgreSQL, one statement); returns the subjects locked."""
    keys = {f"matching.propose:{kind}:{subject_id}": (kind, subject_id) for kind, subject_id in subjects}
    if not keys:
        return set()
    stmt = text(
        "SELECT k FROM unnest(CAST(:keys AS text[])) AS k"
        " WHERE pg_try_advisory_xact_lock(hashtextextended(k, 0))"
    ).bindparams(keys=list(keys))
    return {keys[k] for k in session.connection().execute(stmt).scalars().all()}


def lock_proposal_limits(
    session: Session, worker_ids: Iterable[uuid.UUID], job_ids: Iterable[uuid.UUID]
) -> None:
    """Wait for transaction-long locks on these workers' weekly caps and these jobs' quotas (PostgreSQL, one
    statement, in one order for every replica); on SQLite, with one process, there is nothing to wait for."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(
        {f"matching.cap:worker:{w}" for w in worker_ids} | {f"matching.quota:job:{j}" for j in job_ids}
    )
    if not keys:
        return
    # Taken in hash order by every replica, so two claims that share workers or jobs wait, not deadlock.
    stmt = text(
        "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h"
        " FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS o"
    ).bindparams(keys=keys)
    session.connection().execute(stmt).scalar_one()


def try_lock_worker_caps(session: Session, worker_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The workers whose weekly-cap lock this transaction holds now or could take at once (never waits)."""
    return _try_locks(session, "matching.cap:worker", worker_ids)


def try_lock_job_quotas(session: Session, job_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The jobs whose quota lock this transaction holds now or could take at once (never waits)."""
    return _try_locks(session, "matching.quota:job", job_ids)


def _try_locks(session: Session, prefix: str, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    if session.get_bind().dialect.name != "postgresql":
        return set(ids)
    keys = {f"{prefix}:{i}": i for i in ids}
    stmt = text(
        "SELECT k FROM unnest(CAST(:keys AS text[])) AS k"
        " WHERE pg_try_advisory_xact_lock(hashtextextended(k, 0))"
    ).bindparams(keys=list(keys))
    return {keys[k] for k in session.connection().execute(stmt).scalars()}


def delete_pending_proposals(session: Session, ids: Iterable[int]) -> None:
    """Forget pending rows whose proposals are made."""
    done = list(ids)
    if done:
        session.execute(delete(PendingProposal).where(_among(session, PendingProposal.id, done)))


def alias_fingerprint(session: Session) -> str:
    """A digest of the stored vocabulary aliases: it changes whenever one is added, changed or removed."""
    rows = session.exec(
        select(TaxonomyAlias.key, TaxonomyAlias.trade_id).order_by(col(TaxonomyAlias.key))
    ).all()
    return hashlib.sha256("\n".join(f"{k}\t{t}" for k, t in rows).encode()).hexdigest()
