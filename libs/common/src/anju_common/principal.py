"""Who is calling: the gateway signs a principal token; every service verifies it and scopes its queries."""

from __future__ import annotations

import time
import uuid
from typing import Literal

import jwt
from fastapi import Request
from pydantic import BaseModel, Field

from anju_common.problems import Problem

PRINCIPAL_HEADER = "X-Anju-Principal"
SERVICE_TOKEN_HEADER = "X-Anju-Service-Token"  # noqa: S105 (a header name)
Role = Literal["admin", "office_staff", "employer", "service"]
_AUDIENCE = "anju-internal"


class Principal(BaseModel):
    """The authenticated caller as the gateway established it."""

    sub: str
    role: Role
    site_ids: list[uuid.UUID] = Field(default_factory=list)
    employer_id: uuid.UUID | None = None

    @property
    def is_admin(self) -> bool:
        """Admins and the local development principal see every site."""
        return self.role == "admin"

    def can_see_site(self, site_id: uuid.UUID | None) -> bool:
        """Whether a site's data is within this principal's scope."""
        if self.role in ("admin", "service"):
            return True
        return site_id is not None and site_id in self.site_ids


LOCAL_ADMIN = Principal(sub="local-admin", role="admin")


def sign_principal(principal: Principal, secret: str, ttl_seconds: int = 60) -> str:
    """Short-lived internal token carrying the principal."""
    now = int(time.time())
    claims = {
        "sub": principal.sub,
        "role": principal.role,
        "site_ids": [str(s) for s in principal.site_ids],
        "employer_id": str(principal.employer_id) if principal.employer_id else None,
        "aud": _AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_principal(token: str, secret: str) -> Principal:
    """Decode and check an internal token; raises Problem(401) when it is not valid."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=_AUDIENCE)
        return Principal.model_validate(claims)
    except (jwt.PyJWTError, ValueError) as exc:
        raise Problem(401, "internal principal token is invalid or expired", code="bad-principal") from exc


def principal_from_request(request: Request, secret: str, required: bool) -> Principal:
    """The verified principal, or the local admin when running without a gateway in development."""
    token = request.headers.get(PRINCIPAL_HEADER)
    if token:
        return verify_principal(token, secret)
    if required:
        raise Problem(401, "requests must come through the gateway", code="no-principal")
    return LOCAL_ADMIN
