"""Who is calling (bearer token or API key), rate limits and login lockout, all backed by Redis."""

from __future__ import annotations

import json
import uuid
from typing import Any

from anju_common.clock import utcnow
from anju_common.db import session_scope
from anju_common.logs import get_logger
from anju_common.principal import Principal
from anju_common.problems import Problem
from limits import RateLimitItem

from gateway import repository as repo
from gateway.runtime import GatewayRuntime
from gateway.security import (
    AccessToken,
    decode_access_token,
    digest,
    same_digest,
    split_api_key,
    unauthorized,
)

log = get_logger(__name__)
API_KEY_HEADER = "x-api-key"


def rate_limit(rt: GatewayRuntime, item: RateLimitItem, scope: str, identity: str) -> None:
    """Count one hit in a moving window; 429 with Retry-After when the window is full."""
    try:
        allowed = rt.limiter.hit(item, scope, identity)
    except Exception:
        # Redis trouble must not take the API down: fail open, but say so in the logs.
        log.warning("ratelimit.unavailable", scope=scope)
        return
    if allowed:
        return
    stats = rt.limiter.get_window_stats(item, scope, identity)
    retry = max(1, int(stats.reset_time - utcnow().timestamp()) + 1)
    raise Problem(
        429,
        f"rate limit of {item} per {scope} exceeded; retry after {retry} s",
        code="rate-limited",
        headers={"Retry-After": str(retry)},
        retry_after=retry,
    )


def authenticate(rt: GatewayRuntime, authorization: str | None, api_key: str | None) -> Principal:
    """The principal behind a bearer token or an API key; 401 when there is none or it is not valid."""
    if api_key:
        return _from_api_key(rt, api_key.strip())
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Authorization must be 'Bearer <access token>'", "bad-token")
        return current_staff(rt, decode_access_token(token.strip(), rt.settings.jwt_secrets()))
    raise unauthorized("log in (Bearer token) or send an employer API key (X-API-Key)", "no-credentials")


def current_staff(rt: GatewayRuntime, access: AccessToken) -> Principal:
    """The staff principal as the user is now (sites, role, active), not as the token remembers it."""
    sub = access.principal.sub
    markers = [rt.key("revoked-jti", access.jti), rt.key("user-disabled", sub)]
    if access.sid:
        markers.append(rt.key("revoked-sid", access.sid))
    revoked_jti, disabled, *revoked_sid = rt.redis.mget(markers)
    if revoked_jti or any(revoked_sid):
        raise unauthorized(
            "已退出登录，请重新登录 / this token was revoked at logout; log in again", "token-revoked"
        )
    state = _user_state(rt, sub)
    if disabled or not state.get("active"):
        raise unauthorized("账号已停用 / this account is disabled", "account-disabled")
    return Principal(sub=sub, role=state["role"], site_ids=[uuid.UUID(s) for s in state["site_ids"]])


def _user_state(rt: GatewayRuntime, sub: str) -> dict[str, Any]:
    key = rt.key("user-state", sub)
    cached = rt.redis.get(key)
    if cached is not None:
        state: dict[str, Any] = json.loads(cached)
        return state
    user_id = _user_id(sub)
    with session_scope(rt.engine) as session:
        user = repo.get_user(session, user_id) if user_id else None
        state = (
            {"active": user.active, "role": user.role.value, "site_ids": list(user.site_ids)}
            if user is not None
            else {"active": False}
        )
    rt.redis.set(key, json.dumps(state), ex=rt.settings.user_cache_seconds)
    return state


def _user_id(sub: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(sub.removeprefix("user:"))
    except ValueError:
        return None


def forget_user(rt: GatewayRuntime, sub: str) -> None:
    """Drop the cached state of a user so the next request reads the change."""
    rt.redis.delete(rt.key("user-state", sub))


def revoke_access(rt: GatewayRuntime, access: AccessToken | None, sid: str | None) -> None:
    """Deny an access token (by jti) and every access token issued with a refresh token (by sid)."""
    ttl = rt.settings.access_token_minutes * 60 + 60
    if access is not None:
        rt.redis.set(
            rt.key("revoked-jti", access.jti), b"1", ex=max(1, access.exp - int(utcnow().timestamp()) + 60)
        )
    if sid:
        rt.redis.set(rt.key("revoked-sid", sid), b"1", ex=ttl)


def _from_api_key(rt: GatewayRuntime, key: str) -> Principal:
    prefix = split_api_key(key)
    if prefix is None:
        raise unauthorized("the API key is malformed", "bad-api-key")
    cache_key = rt.key("apikey", prefix)
    cached, revoked = rt.redis.mget([cache_key, rt.key("apikey-revoked", prefix)])
    if revoked:
        raise unauthorized("the API key has been revoked", "api-key-revoked")
    if cached is not None:
        entry = json.loads(cached)
    else:
        with session_scope(rt.engine) as session:
            row = repo.get_api_key_by_prefix(session, prefix)
            entry = (
                {
                    "id": str(row.id),
                    "employer_id": str(row.employer_id),
                    "digest": row.key_hash,
                    "revoked": row.revoked_at is not None,
                }
                if row
                else {"missing": True}
            )
        rt.redis.set(cache_key, json.dumps(entry), ex=rt.settings.api_key_cache_seconds)
    if entry.get("missing") or not same_digest(entry["digest"], digest(key, rt.settings.api_key_pepper)):
        raise unauthorized("the API key is not valid", "bad-api-key")
    if entry["revoked"]:
        raise unauthorized("the API key has been revoked", "api-key-revoked")
    key_id = uuid.UUID(entry["id"])
    # Record last use at most once a minute per key, so busy keys do not write on every request.
    if rt.redis.set(rt.key("apikey-used", str(key_id)), b"1", ex=60, nx=True):
        with session_scope(rt.engine) as session:
            repo.touch_api_key(session, key_id, utcnow())
    return Principal(sub=f"apikey:{key_id}", role="employer", employer_id=uuid.UUID(entry["employer_id"]))


def forget_api_key(rt: GatewayRuntime, prefix: str) -> None:
    """Make a revocation effective at once, whatever the caches hold."""
    ttl = max(rt.settings.api_key_cache_seconds * 10, 600)
    rt.redis.set(rt.key("apikey-revoked", prefix), b"1", ex=ttl)
    rt.redis.delete(rt.key("apikey", prefix))


def mark_user_disabled(rt: GatewayRuntime, sub: str, disabled: bool) -> None:
    """Reject a disabled user's access tokens before they expire."""
    key = rt.key("user-disabled", sub)
    if disabled:
        rt.redis.set(key, b"1", ex=rt.settings.access_token_minutes * 60 + 60)
    else:
        rt.redis.delete(key)


def check_login_allowed(rt: GatewayRuntime, username: str) -> None:
    """429 while the account is locked after repeated failures."""
    ttl = int(rt.redis.ttl(rt.key("login-lock", username.lower())))
    if ttl > 0:
        raise Problem(
            429,
            f"too many failed logins for this account; try again in {ttl} s",
            code="login-locked",
            headers={"Retry-After": str(ttl)},
            retry_after=ttl,
        )


def record_login_failure(rt: GatewayRuntime, username: str) -> None:
    """Count a failure; lock the account when the window holds too many."""
    s = rt.settings
    counter = rt.key("login-fail", username.lower())
    pipe = rt.redis.pipeline()
    pipe.incr(counter)
    pipe.expire(counter, s.login_failure_window_seconds, nx=True)
    failures = int(pipe.execute()[0])
    if failures >= s.login_max_failures:
        rt.redis.set(rt.key("login-lock", username.lower()), b"1", ex=s.login_lockout_seconds)
        rt.redis.delete(counter)
        log.warning("auth.account_locked", failures=failures)


def record_login_success(rt: GatewayRuntime, username: str) -> None:
    """Forget earlier failures."""
    rt.redis.delete(rt.key("login-fail", username.lower()))
