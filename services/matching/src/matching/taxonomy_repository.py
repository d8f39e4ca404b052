"""Queries of the growing vocabulary: stored aliases, and the unknown spellings counted by site."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from matching.models import TaxonomyAlias, TaxonomyUnknownTerm, TaxonomyUnknownUse

# ------------------------------------------------------------------ aliases


def all_aliases(session: Session) -> dict[str, str]:
    """Every stored alias: key -> trade id."""
    return {a.key: a.trade_id for a in session.exec(select(TaxonomyAlias))}


def get_alias(session: Session, key: str, *, for_update: bool = False) -> TaxonomyAlias | None:
    """One alias by its cleaned spelling."""
    stmt = select(TaxonomyAlias).where(col(TaxonomyAlias.key) == key)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_aliases(
    session: Session, trade_id: str | None, after: str | None, limit: int
) -> Sequence[TaxonomyAlias]:
    """Aliases by spelling, optionally of one trade, after a cursor key."""
    stmt = select(TaxonomyAlias)
    if trade_id:
        stmt = stmt.where(col(TaxonomyAlias.trade_id) == trade_id)
    if after is not None:
        stmt = stmt.where(col(TaxonomyAlias.key) > after)
    return session.exec(stmt.order_by(col(TaxonomyAlias.key)).limit(limit)).all()


# ------------------------------------------------------------------ unknown spellings


def uses_of(session: Session, kind: str, subject_id: uuid.UUID) -> Sequence[TaxonomyUnknownUse]:
    """The unknown spellings one worker or job holds now."""
    stmt = select(TaxonomyUnknownUse).where(
        col(TaxonomyUnknownUse.kind) == kind, col(TaxonomyUnknownUse.subject_id) == subject_id
    )
    return session.exec(stmt).all()


def count_uses(session: Session, term: str, site_id: uuid.UUID | None) -> int:
    """How many profiles of a site hold a spelling."""
    site = (
        col(TaxonomyUnknownUse.site_id).is_(None)
        if site_id is None
        else col(TaxonomyUnknownUse.site_id) == site_id
    )
    stmt = (
        select(func.count()).select_from(TaxonomyUnknownUse).where(col(TaxonomyUnknownUse.term) == term, site)
    )
    return int(session.exec(stmt).one())


def get_unknown(
    session: Session, term: str, site_id: uuid.UUID | None, *, for_update: bool = False
) -> TaxonomyUnknownTerm | None:
    """The counter of one spelling at one site."""
    site = (
        col(TaxonomyUnknownTerm.site_id).is_(None)
        if site_id is None
        else col(TaxonomyUnknownTerm.site_id) == site_id
    )
    stmt = select(TaxonomyUnknownTerm).where(col(TaxonomyUnknownTerm.term) == term, site)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_unknown(
    session: Session,
    site_ids: list[uuid.UUID] | None,
    site_id: uuid.UUID | None,
    after: tuple[int, int] | None,
    limit: int,
) -> Sequence[TaxonomyUnknownTerm]:
    """Unknown spellings held now, most frequent first (then oldest row), within the given sites."""
    stmt = select(TaxonomyUnknownTerm).where(col(TaxonomyUnknownTerm.count) > 0)
    if site_ids is not None:
        stmt = stmt.where(col(TaxonomyUnknownTerm.site_id).in_(site_ids))
    if site_id is not None:
        stmt = stmt.where(col(TaxonomyUnknownTerm.site_id) == site_id)
    if after is not None:
        n, ident = after
        stmt = stmt.where(
            or_(
                col(TaxonomyUnknownTerm.count) < n,
                (col(TaxonomyUnknownTerm.count) == n) & (col(TaxonomyUnknownTerm.id) > ident),
            )
        )
    stmt = stmt.order_by(col(TaxonomyUnknownTerm.count).desc(), col(TaxonomyUnknownTerm.id)).limit(limit)
    return session.exec(stmt).all()


def subjects_holding(session: Session, terms: Iterable[str]) -> set[tuple[str, uuid.UUID]]:
    """(kind, subject id) of the profiles that hold any of these unknown spellings."""
    wanted = list(terms)
    if not wanted:
        return set()
    stmt = select(col(TaxonomyUnknownUse.kind), col(TaxonomyUnknownUse.subject_id)).where(
        col(TaxonomyUnknownUse.term).in_(wanted)
    )
    return {(k, s) for k, s in session.exec(stmt)}


def forget_terms(session: Session, terms: Iterable[str]) -> int:
    """A spelling the vocabulary now knows leaves the unknown list (counters and uses)."""
    wanted = list(terms)
    if not wanted:
        return 0
    session.execute(delete(TaxonomyUnknownUse).where(col(TaxonomyUnknownUse.term).in_(wanted)))
    result = session.execute(delete(TaxonomyUnknownTerm).where(col(TaxonomyUnknownTerm.term).in_(wanted)))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_uses(session: Session, kind: str, subject_id: uuid.UUID, terms: Iterable[str]) -> None:
    """Drop some uses of one profile."""
    wanted = list(terms)
    if wanted:
        session.execute(
            delete(TaxonomyUnknownUse).where(
                col(TaxonomyUnknownUse.kind) == kind,
                col(TaxonomyUnknownUse.subject_id) == subject_id,
                col(TaxonomyUnknownUse.term).in_(wanted),
            )
        )


def add_use(
    session: Session, kind: str, subject_id: uuid.UUID, term: str, site_id: uuid.UUID | None, at: datetime
) -> None:
    """Record that a profile holds an unknown spelling."""
    session.add(TaxonomyUnknownUse(kind=kind, subject_id=subject_id, term=term, site_id=site_id, seen_at=at))
