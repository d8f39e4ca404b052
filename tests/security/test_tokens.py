"""Credentials on the running stack: missing, expired, forged or wrongly-signed tokens and revoked API keys
get 401, at the gateway and at every service behind it."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from anju_common.principal import PRINCIPAL_HEADER, Principal, sign_principal

from tests.e2e.harness import Stack, expect
from tests.security.conftest import Tenant

pytestmark = pytest.mark.e2e
ROUTES = ["/api/v1/jobs", "/api/v1/workers", "/api/v1/sites", "/api/v1/notifications", "/api/v1/users"]


def _staff_claims(stack: Stack, **over: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "anju-gateway",
        "aud": "anju-api",
        "sub": "user:00000000-0000-0000-0000-000000000001",
        "role": "admin",
        "typ": "access",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(over)
    return claims


def test_missing_expired_forged_and_wrongly_signed_tokens_get_401(stack: Stack) -> None:
    secret = stack.env["GATEWAY_JWT_SECRET"]
    now = int(time.time())
    tokens = {
        "expired": jwt.encode(
            _staff_claims(stack, iat=now - 7200, exp=now - 3600), secret, algorithm="HS256"
        ),
        "forged with a guessed secret": jwt.encode(
            _staff_claims(stack), "dev-gateway-jwt-secret-change-me-please-32b", algorithm="HS256"
        ),
        "signed with the internal secret": jwt.encode(
            _staff_claims(stack), stack.env["ANJU_INTERNAL_TOKEN_SECRET"], algorithm="HS256"
        ),
        "alg none": jwt.encode(_staff_claims(stack), None, algorithm="none"),  # type: ignore[arg-type]
        "not a refresh": jwt.encode(_staff_claims(stack, typ="refresh"), secret, algorithm="HS256"),
        "employer role in a staff token": jwt.encode(
            _staff_claims(stack, role="employer"), secret, algorithm="HS256"
        ),
        "internal principal token": sign_principal(
            Principal(sub="x", role="admin"), stack.env["ANJU_INTERNAL_TOKEN_SECRET"]
        ),
    }
    with httpx.Client(base_url=stack.gateway, timeout=20) as client:
        for path in ROUTES:
            r = client.get(path)
            assert r.status_code == 401, f"no credentials {path}: {r.status_code}"
            assert r.headers["content-type"].startswith("application/problem+json")
            for name, token in tokens.items():
                r = client.get(path, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 401, f"{name} {path}: {r.status_code} {r.text[:200]}"


def test_a_client_sent_principal_header_is_ignored(stack: Stack) -> None:
    forged = sign_principal(Principal(sub="evil", role="admin"), stack.env["ANJU_INTERNAL_TOKEN_SECRET"])
    with httpx.Client(base_url=stack.gateway, timeout=20) as client:
        # Even a correctly signed internal token from outside is stripped: no credentials, so 401.
        assert client.get("/api/v1/workers", headers={PRINCIPAL_HEADER: forged}).status_code == 401


def test_services_reject_requests_that_did_not_come_through_the_gateway(stack: Stack) -> None:
    good_secret = stack.env["ANJU_INTERNAL_TOKEN_SECRET"]
    admin = Principal(sub="evil", role="admin")
    bad = {
        "none": None,
        "wrong secret": sign_principal(admin, "not-the-internal-secret-but-32-bytes-long"),
        "expired": sign_principal(admin, good_secret, ttl_seconds=-5),
        "garbage": "abc.def.ghi",
    }
    paths = {
        "jobs": "/api/v1/jobs",
        "workers": "/api/v1/sites",
        "matching": "/api/v1/matches/00000000-0000-0000-0000-000000000000",
        "notifications": "/api/v1/notifications",
    }
    for name, path in paths.items():
        if name not in stack.procs:
            continue
        for label, token in bad.items():
            headers = {PRINCIPAL_HEADER: token} if token else {}
            r = httpx.get(stack.procs[name].url + path, headers=headers, timeout=10)
            assert r.status_code == 401, f"{name} with {label} principal: {r.status_code} {r.text[:200]}"


def test_internal_endpoints_are_not_routed(
    stack: Stack, tenants: dict[str, Tenant], admin: dict[str, str]
) -> None:
    worker = tenants["A"].ids["worker_id"]
    with stack.client(**admin) as client:
        for path in (
            f"/internal/v1/workers/{worker}/contact",
            f"/api/v1/../internal/v1/workers/{worker}/contact",
            f"/api/v1/%2e%2e/internal/v1/workers/{worker}/contact",
        ):
            r = client.get(path)
            assert r.status_code == 404, f"{path}: {r.status_code}"
            assert tenants["A"].world.phones[worker] not in r.text


def test_revoked_api_keys_stop_working_at_once(stack: Stack, tenants: dict[str, Tenant]) -> None:
    a = tenants["A"]
    staff = a.world.staff
    assert staff is not None
    created = expect(
        staff.post("/api/v1/api-keys", json={"employer_id": a.ids["employer_id"], "name": "temp"}), 201
    )
    with httpx.Client(
        base_url=stack.gateway, headers={"X-API-Key": created["key"]}, timeout=20
    ) as key_client:
        expect(key_client.get(f"/api/v1/jobs/{a.ids['job_id']}"), 200)
        expect(staff.delete(f"/api/v1/api-keys/{created['id']}"), 204)
        r = key_client.get(f"/api/v1/jobs/{a.ids['job_id']}")
        assert r.status_code == 401 and r.json()["type"] == "urn:anju:problem:api-key-revoked"
        assert (
            key_client.get("/api/v1/jobs", headers={"X-API-Key": created["key"][:-1] + "x"}).status_code
            == 401
        )
    assert expect(staff.get(f"/api/v1/api-keys/{created['id']}"), 200)["last_used_at"] is not None
