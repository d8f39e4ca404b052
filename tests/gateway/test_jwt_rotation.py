"""Rotating the gateway's JWT secret: the previous one still verifies access and refresh tokens until its
grace period ends, then nothing it signed is accepted; the gateway itself refuses NUL input with a 422."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.gateway.conftest import create_staff, login

OLD, NEW = "old-jwt-secret-" + "o" * 32, "new-jwt-secret-" + "n" * 32


def test_the_previous_jwt_secret_is_accepted_only_during_its_grace_period(
    make_client: Callable[..., TestClient],
) -> None:
    before = make_client(GATEWAY_JWT_SECRET=OLD)
    name = f"rot-{uuid.uuid4().hex[:8]}"
    create_staff(name, "rotation-password-1", "admin")
    tokens = login(before, name, "rotation-password-1")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert before.get("/api/v1/auth/me", headers=bearer).status_code == 200

    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    during = make_client(
        GATEWAY_JWT_SECRET=NEW, GATEWAY_JWT_PREVIOUS_SECRET=OLD, GATEWAY_JWT_PREVIOUS_SECRET_UNTIL=until
    )
    assert during.get("/api/v1/auth/me", headers=bearer).status_code == 200
    renewed = during.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()

    ended = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    after = make_client(
        GATEWAY_JWT_SECRET=NEW, GATEWAY_JWT_PREVIOUS_SECRET=OLD, GATEWAY_JWT_PREVIOUS_SECRET_UNTIL=ended
    )
    assert after.get("/api/v1/auth/me", headers=bearer).status_code == 401
    # What was issued during the grace period is signed with the new secret and keeps working.
    assert (
        after.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}).status_code
        == 200
    )
    assert (
        after.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).status_code == 200
    )
    # Without a previous secret configured at all, old tokens are simply invalid.
    plain = make_client(GATEWAY_JWT_SECRET=NEW)
    assert plain.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_the_gateway_answers_nul_with_a_422_naming_the_field(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    r = gw.post("/api/v1/auth/token", data={"username": "ad\x00min", "password": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.username", r.text
    r = gw.get("/api/v1/jobs", params={"q": "\x00"}, headers=admin_headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.q", r.text
    r = gw.post("/api/v1/users", json={"username": "a\u0000b", "password": "p" * 12}, headers=admin_headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.username", r.text
