"""Queries of the gateway's database."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, col, select, update

from gateway.models import ApiKey, RefreshToken, StaffUser


def get_user(session: Session, user_id: uuid.UUID) -> StaffUser | None:
    """A user by id."""
    return session.get(StaffUser, user_id)


def get_user_by_username(session: Session, username: str) -> StaffUser | None:
    """A user by username (case-insensitive)."""
    return session.exec(select(StaffUser).where(col(StaffUser.username) == username.lower())).first()


def list_users(session: Session, site_id: uuid.UUID | None, limit: int, offset: int) -> list[StaffUser]:
    """Users ordered by creation; filtered by site in Python because site_ids is a JSON list."""
    rows = list(session.exec(select(StaffUser).order_by(col(StaffUser.created_at), col(StaffUser.id))).all())
    if site_id is not None:
        rows = [u for u in rows if str(site_id) in u.site_ids]
    return rows[offset : offset + limit]


def get_api_key(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    """An API key by id."""
    return session.get(ApiKey, key_id)


def get_api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """An API key by its public prefix."""
    return session.exec(select(ApiKey).where(col(ApiKey.prefix) == prefix)).first()


def list_api_keys(
    session: Session, employer_id: uuid.UUID | None, created_by: str | None, limit: int, offset: int
) -> list[ApiKey]:
    """API keys, newest first, optionally of one employer or one creator."""
    stmt = select(ApiKey)
    if employer_id is not None:
        stmt = stmt.where(col(ApiKey.employer_id) == employer_id)
    if created_by is not None:
        stmt = stmt.where(col(ApiKey.created_by) == created_by)
    stmt = stmt.order_by(col(ApiKey.created_at).desc(), col(ApiKey.id)).offset(offset).limit(limit)
    return list(session.exec(stmt).all())


def touch_api_key(session: Session, key_id: uuid.UUID, when: datetime) -> None:
    """Record when a key was last used."""
    session.exec(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=when))


def get_refresh_token(session: Session, token_hash: str, *, for_update: bool = False) -> RefreshToken | None:
    """A refresh token by digest."""
    stmt = select(RefreshToken).where(col(RefreshToken.token_hash) == token_hash)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def revoke_user_refresh_tokens(session: Session, user_id: uuid.UUID, when: datetime) -> None:
    """Revoke every live refresh token of a user."""
    session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=when)
    )
