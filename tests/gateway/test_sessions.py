"""Staff access follows the user, not the token (real PostgreSQL and Redis): site changes and disabling take
effect on the next request, and logout revokes the access tokens of that login."""

from __future__ import annotations

import uuid

import pytest
from anju_common.principal import verify_principal
from fastapi.testclient import TestClient

from tests.gateway.conftest import create_staff, echo, login

pytestmark = pytest.mark.integration
PASSWORD = "office password 1"


def _sites_seen_upstream(gw: TestClient, headers: dict[str, str]) -> list[uuid.UUID]:
    from gateway.config import get_settings

    seen = echo(gw.get("/api/v1/workers", headers=headers))
    principal = verify_principal(seen["headers"]["x-anju-principal"], get_settings().internal_token_secret)
    return principal.site_ids


def test_a_site_removed_from_a_user_is_gone_from_the_old_token_at_once(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    site_a, site_b = uuid.uuid4(), uuid.uuid4()
    name = f"office-{uuid.uuid4().hex[:8]}"
    user_id = create_staff(name, PASSWORD, "office_staff", [site_a, site_b])
    headers = {"Authorization": f"Bearer {login(gw, name, PASSWORD)['access_token']}"}
    assert set(_sites_seen_upstream(gw, headers)) == {site_a, site_b}
    r = gw.patch(f"/api/v1/users/{user_id}", json={"site_ids": [str(site_a)]}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert _sites_seen_upstream(gw, headers) == [site_a]
    assert gw.get("/api/v1/auth/me", headers=headers).json()["site_ids"] == [str(site_a)]
    # Disabling through the API is seen at once too, and re-enabling restores access.
    gw.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin_headers)
    assert gw.get("/api/v1/workers", headers=headers).status_code == 401
    gw.patch(f"/api/v1/users/{user_id}", json={"active": True}, headers=admin_headers)
    assert _sites_seen_upstream(gw, headers) == [site_a]


def test_logout_revokes_the_access_tokens_of_that_login(gw: TestClient) -> None:
    name = f"office-{uuid.uuid4().hex[:8]}"
    create_staff(name, PASSWORD, "office_staff", [uuid.uuid4()])
    first = login(gw, name, PASSWORD)
    second = login(gw, name, PASSWORD)
    h1 = {"Authorization": f"Bearer {first['access_token']}"}
    h2 = {"Authorization": f"Bearer {second['access_token']}"}
    assert gw.get("/api/v1/auth/me", headers=h1).status_code == 200
    # Logging out with only the refresh token still ends the access token issued with it.
    assert gw.post("/api/v1/auth/logout", json={"refresh_token": first["refresh_token"]}).status_code == 204
    r = gw.get("/api/v1/auth/me", headers=h1)
    assert r.status_code == 401 and r.json()["type"] == "urn:anju:problem:token-revoked"
    assert gw.get("/api/v1/workers", headers=h1).status_code == 401
    # The other login is untouched until it logs out too (here with its access token presented).
    assert gw.get("/api/v1/auth/me", headers=h2).status_code == 200
    r = gw.post("/api/v1/auth/logout", json={"refresh_token": second["refresh_token"]}, headers=h2)
    assert r.status_code == 204
    assert gw.get("/api/v1/auth/me", headers=h2).status_code == 401
    # A refreshed login's new access token is bound to the new refresh token.
    third = login(gw, name, PASSWORD)
    renewed = gw.post("/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}).json()
    h3 = {"Authorization": f"Bearer {renewed['access_token']}"}
    assert gw.get("/api/v1/auth/me", headers=h3).status_code == 200
    gw.post("/api/v1/auth/logout", json={"refresh_token": renewed["refresh_token"]})
    assert gw.get("/api/v1/auth/me", headers=h3).status_code == 401


def test_gateway_answers_carry_security_headers(gw: TestClient) -> None:
    for path in ("/api/v1/auth/me", "/openapi.json", "/healthz", "/api/v1/jobs"):
        r = gw.get(path)
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("cache-control") == "no-store", path
        assert "server" not in r.headers, path
    page = gw.get("/docs")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
