"""Business rules of the gateway's own resources: logins, staff users and API keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from anju_common.clock import utcnow
from anju_common.db import session_scope
from anju_common.errors import ConflictError, ForbiddenError, InvalidFieldError, NotFoundError
from anju_common.logs import get_logger
from anju_common.principal import PRINCIPAL_HEADER, Principal, sign_principal
from anju_common.problems import Problem
from sqlalchemy import event
from sqlmodel import Session

from gateway import auth
from gateway import repository as repo
from gateway.models import ApiKey, RefreshToken, StaffRole, StaffUser
from gateway.runtime import GatewayRuntime
from gateway.schemas import ApiKeyCreate, TokenResponse, UserCreate, UserUpdate
from gateway.security import (
    decode_access_token,
    digest,
    hash_password,
    issue_access_token,
    new_api_key,
    new_refresh_token,
    unauthorized,
    verify_password,
)

log = get_logger(__name__)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def principal_of(user: StaffUser) -> Principal:
    """The principal a staff user acts as."""
    return Principal(
        sub=f"user:{user.id}",
        role=user.role.value,
        site_ids=[uuid.UUID(s) for s in user.site_ids],
    )


# ------------------------------------------------------------------ tokens
def _tokens(session: Session, rt: GatewayRuntime, user: StaffUser) -> TokenResponse:
    s = rt.settings
    refresh = new_refresh_token()
    row = RefreshToken(
        user_id=user.id,
        token_hash=digest(refresh, s.jwt_secret),
        expires_at=utcnow() + timedelta(days=s.refresh_token_days),
    )
    session.add(row)
    access, ttl = issue_access_token(
        principal_of(user), user.username, s.jwt_secret, s.access_token_minutes, sid=str(row.id)
    )
    return TokenResponse(
        access_token=access,
        expires_in=ttl,
        refresh_token=refresh,
        role=user.role,
        site_ids=[uuid.UUID(x) for x in user.site_ids],
    )


def login(session: Session, rt: GatewayRuntime, username: str, password: str) -> TokenResponse:
    """Password grant: tokens for valid credentials; failures count toward a lockout."""
    username = username.strip().lower()
    auth.check_login_allowed(rt, username)
    user = repo.get_user_by_username(session, username)
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.active:
        auth.record_login_failure(rt, username)
        log.info("auth.login_failed")
        raise unauthorized("username or password is wrong", "invalid-credentials")
    auth.record_login_success(rt, username)
    user.last_login_at = utcnow()
    session.add(user)
    log.info("auth.login", user_id=str(user.id), role=user.role.value)
    return _tokens(session, rt, user)


def _refresh_row(session: Session, rt: GatewayRuntime, token: str) -> RefreshToken | None:
    """The stored refresh token, digested with the current JWT secret or, during its grace, the previous."""
    for secret in rt.settings.jwt_secrets():
        row = repo.get_refresh_token(session, digest(token, secret), for_update=True)
        if row is not None:
            return row
    return None


def refresh(session: Session, rt: GatewayRuntime, token: str) -> TokenResponse:
    """Rotate a refresh token; reusing a spent one revokes the whole family (it was probably stolen)."""
    row = _refresh_row(session, rt, token)
    if row is None:
        raise unauthorized("the refresh token is not valid", "bad-refresh-token")
    if row.revoked_at is not None:
        # The request fails, so its transaction rolls back: the revocation needs a unit of work of its own.
        with session_scope(rt.engine) as own:
            repo.revoke_user_refresh_tokens(own, row.user_id, utcnow())
        raise unauthorized("the refresh token was already used; log in again", "refresh-token-reused")
    if _aware(row.expires_at) <= utcnow():
        raise unauthorized("the refresh token has expired; log in again", "refresh-token-expired")
    user = repo.get_user(session, row.user_id)
    if user is None or not user.active:
        raise unauthorized("this account is disabled", "account-disabled")
    row.revoked_at = utcnow()
    session.add(row)
    return _tokens(session, rt, user)


def logout(session: Session, rt: GatewayRuntime, token: str, authorization: str | None) -> None:
    """Revoke a refresh token and the access tokens of that login (and the one presented, if any)."""
    row = _refresh_row(session, rt, token)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    access = None
    scheme, _, bearer = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and bearer.strip():
        try:
            access = decode_access_token(bearer.strip(), rt.settings.jwt_secrets())
        except Problem:
            access = None  # an expired or foreign token needs no revoking
    auth.revoke_access(rt, access, str(row.id) if row is not None else None)


# ------------------------------------------------------------------ users
def create_user(
    session: Session, data: UserCreate, created_by: str, *, password_hash: str | None = None
) -> StaffUser:
    """Store a new staff user; 409 when the username is taken."""
    username = data.username.lower()
    if repo.get_user_by_username(session, username) is not None:
        raise ConflictError(f"username {username} is taken", field="username")
    user = StaffUser(
        username=username,
        display_name=data.display_name,
        password_hash=password_hash or hash_password(data.password),
        role=data.role,
        site_ids=sorted({str(s) for s in data.site_ids}) if data.role == StaffRole.office_staff else [],
        created_by=created_by,
    )
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, rt: GatewayRuntime, user_id: uuid.UUID, patch: UserUpdate) -> StaffUser:
    """Change a user's password, sites, name or active flag."""
    user = repo.get_user(session, user_id)
    if user is None:
        raise NotFoundError("user", user_id)
    if patch.site_ids is not None:
        if user.role == StaffRole.office_staff and not patch.site_ids:
            raise InvalidFieldError("body.site_ids", "office_staff users need at least one site")
        user.site_ids = (
            sorted({str(s) for s in patch.site_ids}) if user.role == StaffRole.office_staff else []
        )
    if patch.display_name is not None:
        user.display_name = patch.display_name
    if patch.password is not None:
        user.password_hash = hash_password(patch.password)
        repo.revoke_user_refresh_tokens(session, user.id, utcnow())
    if patch.active is not None:
        user.active = patch.active
        if not patch.active:
            repo.revoke_user_refresh_tokens(session, user.id, utcnow())
        auth.mark_user_disabled(rt, f"user:{user.id}", not patch.active)
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    _forget_user_after_commit(session, rt, f"user:{user.id}")
    return user


def _forget_user_after_commit(session: Session, rt: GatewayRuntime, sub: str) -> None:
    """Clear the cached user state now and once the change is committed (a request in between re-reads)."""
    auth.forget_user(rt, sub)
    event.listen(session, "after_commit", lambda _s: auth.forget_user(rt, sub), once=True)


def check_sites_exist(rt: GatewayRuntime, site_ids: list[uuid.UUID]) -> None:
    """422 naming the field when a site does not exist in the workers service."""
    if not rt.settings.validate_references:
        return
    admin = Principal(sub="gateway", role="admin")
    for i, site_id in enumerate(site_ids):
        status = _upstream_status(rt, "workers", f"/api/v1/sites/{site_id}", admin)
        if status == 404:
            raise InvalidFieldError(f"body.site_ids.{i}", f"no site {site_id}")


def check_employer_manageable(rt: GatewayRuntime, employer_id: uuid.UUID, principal: Principal) -> None:
    """422 unless the employer exists in the caller's scope (asked of the jobs service); office staff also
    need it to belong to one of their sites (cross-site employers get their keys from administrators)."""
    if not rt.settings.validate_references:
        return
    response = _upstream_get(rt, "jobs", f"/api/v1/employers/{employer_id}", principal)
    if response.status_code == 404:
        raise InvalidFieldError("body.employer_id", f"no employer {employer_id} in your scope")
    if principal.role != "office_staff":
        return
    site_id = response.json().get("site_id")
    if site_id is None or uuid.UUID(site_id) not in principal.site_ids:
        raise ForbiddenError(
            "跨安置点的用人单位由管理员发放密钥 / "
            "keys of employers without a site are issued by administrators"
        )


def _upstream_status(rt: GatewayRuntime, service: str, path: str, principal: Principal) -> int:
    return _upstream_get(rt, service, path, principal).status_code


def _upstream_get(rt: GatewayRuntime, service: str, path: str, principal: Principal) -> httpx.Response:
    url = rt.settings.service_urls()[service].rstrip("/") + path
    token = sign_principal(principal, rt.settings.internal_token_secret)
    try:
        response = httpx.get(
            url, headers={PRINCIPAL_HEADER: token}, timeout=rt.settings.connect_timeout_seconds + 3
        )
    except httpx.HTTPError as exc:
        raise Problem(
            503, f"the {service} service cannot confirm the reference now; retry", code="upstream-unavailable"
        ) from exc
    if response.status_code >= 500 or response.status_code in (401, 403):
        raise Problem(
            503, f"the {service} service cannot confirm the reference now; retry", code="upstream-unavailable"
        )
    return response


# ------------------------------------------------------------------ API keys
def create_api_key(
    session: Session, rt: GatewayRuntime, data: ApiKeyCreate, principal: Principal
) -> tuple[ApiKey, str]:
    """A new key for an employer in the caller's scope; the secret is returned once."""
    if principal.role not in ("admin", "office_staff"):
        raise ForbiddenError("only administrators and office staff create API keys")
    check_employer_manageable(rt, data.employer_id, principal)
    new = new_api_key(rt.settings.api_key_pepper)
    key = ApiKey(
        employer_id=data.employer_id,
        name=data.name,
        prefix=new.prefix,
        key_hash=new.digest,
        created_by=principal.sub,
    )
    session.add(key)
    session.flush()
    log.info("apikey.created", api_key_id=str(key.id), employer_id=str(key.employer_id))
    return key, new.key


def visible_key(session: Session, key_id: uuid.UUID, principal: Principal) -> ApiKey:
    """A key the caller may see: admins all, staff those they created, employers their own; else 404."""
    key = repo.get_api_key(session, key_id)
    if key is None or not _key_visible(key, principal):
        raise NotFoundError("api key", key_id)
    return key


def _key_visible(key: ApiKey, principal: Principal) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "employer":
        return key.employer_id == principal.employer_id
    return key.created_by == principal.sub


def revoke_api_key(session: Session, rt: GatewayRuntime, key_id: uuid.UUID, principal: Principal) -> None:
    """Revoke a key at once (idempotent)."""
    key = visible_key(session, key_id, principal)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
    auth.forget_api_key(rt, key.prefix)
    log.info("apikey.revoked", api_key_id=str(key.id))


def list_api_keys(
    session: Session, principal: Principal, employer_id: uuid.UUID | None, limit: int, offset: int
) -> list[ApiKey]:
    """Keys in the caller's scope."""
    created_by = None
    if principal.role == "employer":
        employer_id = principal.employer_id
    elif principal.role == "office_staff":
        created_by = principal.sub
    return repo.list_api_keys(session, employer_id, created_by, limit, offset)
