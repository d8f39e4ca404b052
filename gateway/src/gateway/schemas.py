"""Request and response shapes of the gateway's own API (auth, users, API keys)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from gateway.models import StaffRole

Username = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
]
Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
KeyName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
SITE = "5f0c6f5e-2a8e-4a59-9c55-0a2c1f6e8c11"


class Strict(BaseModel):
    """Inputs reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


class TokenResponse(BaseModel):
    """OAuth2 token response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "rt_6Qe...",
                    "role": "office_staff",
                    "site_ids": [SITE],
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (OAuth2 token type)
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str
    role: StaffRole
    site_ids: list[uuid.UUID]


class RefreshRequest(Strict):
    """POST /auth/refresh and /auth/logout body."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"refresh_token": "rt_6Qe..."}]}
    )

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserCreate(Strict):
    """POST /users body: office staff need at least one site."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "wangjia-office-1",
                    "password": "a long passphrase 2024",
                    "role": "office_staff",
                    "site_ids": [SITE],
                    "display_name": "王家社区就业服务站",
                }
            ]
        },
    )

    username: Username
    password: Password
    role: StaffRole
    site_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    display_name: DisplayName | None = None

    @model_validator(mode="after")
    def _sites(self) -> Self:
        if self.role == StaffRole.office_staff and not self.site_ids:
            raise ValueError("office_staff users need at least one site in site_ids")
        return self


class UserUpdate(Strict):
    """PATCH /users/{id} body: only the fields to change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    password: Password | None = None
    site_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    display_name: DisplayName | None = None
    active: bool | None = None


class UserPublic(BaseModel):
    """A staff user as the API returns it (never the password hash)."""

    id: uuid.UUID
    username: str
    display_name: str | None
    role: StaffRole
    site_ids: list[uuid.UUID]
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class ApiKeyCreate(Strict):
    """POST /api-keys body."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employer_id": "0b7e3a55-3c49-4d0e-9b7b-8c1c5e0b9a01", "name": "车间排班系统"}]
        },
    )

    employer_id: uuid.UUID
    name: KeyName = ""


class ApiKeyPublic(BaseModel):
    """An API key without its secret."""

    id: uuid.UUID
    employer_id: uuid.UUID
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    """The new key: `key` is shown this once and cannot be read again."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7d7f0c1e-5b7a-4c55-8a8e-0f3c2b1a9d10",
                    "employer_id": "0b7e3a55-3c49-4d0e-9b7b-8c1c5e0b9a01",
                    "name": "车间排班系统",
                    "prefix": "3f9a1c2b7d4e",
                    "key": "anju_3f9a1c2b7d4e_Xq9...",
                    "created_by": "user:1b4e...",
                    "created_at": "2026-03-02T08:00:00Z",
                    "revoked_at": None,
                    "last_used_at": None,
                }
            ]
        }
    )

    key: str = Field(description="the full key; send it as X-API-Key; it is shown only once")


class WhoAmI(BaseModel):
    """The caller as the gateway sees it."""

    sub: str
    role: str
    site_ids: list[uuid.UUID]
    employer_id: uuid.UUID | None
