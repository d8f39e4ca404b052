"""Credentials: password hashing, staff access tokens, API keys and refresh tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from anju_common.principal import Principal
from anju_common.problems import Problem
from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()
# Verifying against this when the user does not exist keeps login time independent of the username.
_DUMMY_HASH = _hasher.hash("anju-dummy-password-for-timing")
ISSUER = "anju-gateway"
AUDIENCE = "anju-api"
API_KEY_PREFIX = "anju"


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; takes the same time whether or not the user exists."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:
        return False


@dataclass(frozen=True)
class AccessToken:
    """What a verified access token says: who, and which token and login session it is (for revocation)."""

    principal: Principal
    jti: str
    sid: str | None
    exp: int


def issue_access_token(
    principal: Principal, username: str, secret: str, minutes: int, sid: str | None = None
) -> tuple[str, int]:
    """A signed staff access token and its lifetime in seconds; sid names the refresh token issued with it."""
    now = int(time.time())
    ttl = minutes * 60
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.sub,
        "username": username,
        "role": principal.role,
        "site_ids": [str(s) for s in principal.site_ids],
        "typ": "access",
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        **({"sid": sid} if sid else {}),
    }
    return jwt.encode(claims, secret, algorithm="HS256"), ttl


def _decode(token: str, secrets_: list[str]) -> dict[str, Any]:
    """Verify with each secret in turn (current first; the previous one during a rotation's grace period)."""
    for idx, secret in enumerate(secrets_):
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
            return claims
        except jwt.InvalidSignatureError:
            if idx == len(secrets_) - 1:
                raise
    raise jwt.InvalidSignatureError("no secret configured")


def decode_access_token(token: str, secret: str | list[str]) -> AccessToken:
    """The principal inside a valid access token; 401 for anything expired, forged or malformed."""
    try:
        claims: dict[str, Any] = _decode(token, [secret] if isinstance(secret, str) else secret)
        if claims.get("typ") != "access" or claims.get("role") not in ("admin", "office_staff"):
            raise jwt.InvalidTokenError("not an access token")
        if not claims.get("jti"):
            raise jwt.InvalidTokenError("not an access token")
        principal = Principal(sub=claims["sub"], role=claims["role"], site_ids=claims.get("site_ids") or [])
        sid = claims.get("sid")
        return AccessToken(
            principal=principal,
            jti=str(claims["jti"]),
            sid=str(sid) if sid else None,
            exp=int(claims["exp"]),
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized(
            "the access token has expired; refresh it or log in again", "token-expired"
        ) from exc
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise unauthorized("the access token is not valid", "bad-token") from exc


def unauthorized(detail: str, code: str = "unauthorized") -> Problem:
    """A 401 problem that tells clients how to authenticate."""
    return Problem(
        401,
        detail,
        code=code,
        headers={"WWW-Authenticate": 'Bearer realm="anju", ApiKey header="X-API-Key"'},
    )


@dataclass(frozen=True)
class NewApiKey:
    """A freshly generated key: the full secret (shown once), its public prefix and stored digest."""

    key: str
    prefix: str
    digest: str


def digest(secret: str, pepper: str) -> str:
    """HMAC-SHA256 digest of a secret with the server-side pepper."""
    return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def new_api_key(pepper: str) -> NewApiKey:
    """Generate anju_<prefix>_<secret>: the prefix finds the row, the digest proves the secret."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = f"{API_KEY_PREFIX}_{prefix}_{secret}"
    return NewApiKey(key=key, prefix=prefix, digest=digest(key, pepper))


def split_api_key(key: str) -> str | None:
    """The public prefix of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 12 or len(parts[2]) < 20:
        return None
    return parts[1]


def same_digest(a: str, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(a.encode(), b.encode())


def new_refresh_token() -> str:
    """An opaque refresh token."""
    return "rt_" + secrets.token_urlsafe(40)
