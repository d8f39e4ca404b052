"""Tables of the gateway: staff users, employer API keys and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from anju_common.clock import utcnow
from anju_common.db import enum_type
from sqlalchemy import JSON, Column, DateTime
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class StaffRole(StrEnum):
    """Roles of people who log in with a password (employers use API keys)."""

    admin = "admin"
    office_staff = "office_staff"


class GatewayTable(SQLModel, registry=registry()):
    """Base of the gateway's tables: its own metadata, apart from the services' models."""


metadata = GatewayTable.metadata


def _ts(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class StaffUser(GatewayTable, table=True):
    """An administrator or an employment-office staff member."""

    __tablename__ = "staff_user"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str | None = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=255)
    role: StaffRole = Field(sa_type=enum_type(StaffRole))
    site_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_login_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ApiKey(GatewayTable, table=True):
    """An employer's API key: only a public prefix and an HMAC digest of the secret are stored."""

    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    employer_id: uuid.UUID = Field(index=True)
    name: str = Field(default="", max_length=100)
    prefix: str = Field(max_length=16, unique=True, index=True)
    key_hash: str = Field(max_length=128)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class RefreshToken(GatewayTable, table=True):
    """A refresh token (stored as a digest); each use rotates it."""

    __tablename__ = "refresh_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="staff_user.id", index=True)
    token_hash: str = Field(max_length=128, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
