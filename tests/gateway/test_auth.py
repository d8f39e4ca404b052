"""Staff logins, refresh tokens, lockout, users and API keys against the real PostgreSQL and Redis."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.gateway.conftest import ADMIN_PASSWORD, create_staff, echo, login

pytestmark = pytest.mark.integration
SITE_A = uuid.uuid4()


def _problem(response: object, status: int) -> dict[str, object]:
    r = response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = r.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["detail"]
    return body


def test_password_login_gives_short_lived_access_and_refresh_tokens(gw: TestClient) -> None:
    name = f"staff-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "office_staff", [SITE_A])
    tokens = login(gw, name.upper(), "correct horse battery")
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60
    assert tokens["role"] == "office_staff" and tokens["site_ids"] == [str(SITE_A)]
    me = gw.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["role"] == "office_staff" and me.json()["site_ids"] == [str(SITE_A)]
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_wrong_password_and_unknown_user_are_the_same_401(gw: TestClient) -> None:
    name = f"staff-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    wrong = gw.post("/api/v1/auth/token", data={"username": name, "password": "nope nope nope"})
    unknown = gw.post("/api/v1/auth/token", data={"username": "ghost-user", "password": "nope nope nope"})
    assert _problem(wrong, 401)["detail"] == _problem(unknown, 401)["detail"]
    assert "password" not in wrong.text.lower().replace("username or password is wrong", "")


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    make_client: Callable[..., TestClient],
) -> None:
    gw = make_client(GATEWAY_LOGIN_MAX_FAILURES="3", GATEWAY_LOGIN_LOCKOUT_SECONDS="60")
    name = f"staff-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    for _ in range(3):
        _problem(gw.post("/api/v1/auth/token", data={"username": name, "password": "bad password"}), 401)
    locked = gw.post("/api/v1/auth/token", data={"username": name, "password": "correct horse battery"})
    body = _problem(locked, 429)
    assert body["type"] == "urn:anju:problem:login-locked"
    assert 0 < int(locked.headers["Retry-After"]) <= 60


def test_refresh_rotates_and_reuse_revokes_the_family(gw: TestClient) -> None:
    name = f"staff-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    first = login(gw, name, "correct horse battery")
    second = gw.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    reused = gw.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert _problem(reused, 401)["type"] == "urn:anju:problem:refresh-token-reused"
    # The thief's reuse also kills the legitimate newer token.
    _problem(gw.post("/api/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}), 401)
    _problem(gw.post("/api/v1/auth/refresh", json={"refresh_token": "rt_made_up"}), 401)


def test_logout_revokes_the_refresh_token(gw: TestClient) -> None:
    name = f"staff-{uuid.uuid4().hex[:8]}"
    create_staff(name, "correct horse battery", "admin")
    tokens = login(gw, name, "correct horse battery")
    assert gw.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    _problem(gw.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)


def test_bad_tokens_are_rejected(gw: TestClient) -> None:
    from gateway.config import get_settings

    secret = get_settings().jwt_secret
    now = int(time.time())
    base = {"iss": "anju-gateway", "aud": "anju-api", "sub": "user:x", "role": "admin", "typ": "access"}
    cases = {
        "expired": jwt.encode({**base, "iat": now - 3600, "exp": now - 60}, secret, algorithm="HS256"),
        "forged": jwt.encode(
            {**base, "iat": now, "exp": now + 600}, "another-secret-of-32-bytes-at-least!", algorithm="HS256"
        ),
        "none-alg": jwt.encode({**base, "iat": now, "exp": now + 600}, None, algorithm="none"),  # type: ignore[arg-type]
        "wrong-audience": jwt.encode(
            {**base, "aud": "anju-internal", "iat": now, "exp": now + 600}, secret, algorithm="HS256"
        ),
        "garbage": "not.a.token",
    }
    for name, token in cases.items():
        r = gw.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
        assert "Bearer" in r.headers["WWW-Authenticate"]
    assert gw.get("/api/v1/jobs").status_code == 401
    assert gw.get("/api/v1/jobs", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).status_code == 401
    expired = gw.get("/api/v1/jobs", headers={"Authorization": f"Bearer {cases['expired']}"})
    assert expired.json()["type"] == "urn:anju:problem:token-expired"


def test_the_internal_principal_secret_cannot_mint_staff_tokens(gw: TestClient) -> None:
    from anju_common.principal import Principal, sign_principal
    from gateway.config import get_settings

    internal = sign_principal(Principal(sub="x", role="admin"), get_settings().internal_token_secret)
    assert gw.get("/api/v1/jobs", headers={"Authorization": f"Bearer {internal}"}).status_code == 401


def test_admin_creates_users_and_office_staff_cannot(gw: TestClient, admin_headers: dict[str, str]) -> None:
    name = f"office-{uuid.uuid4().hex[:8]}"
    body = {
        "username": name,
        "password": "office password 1",
        "role": "office_staff",
        "site_ids": [str(SITE_A)],
    }
    created = gw.post("/api/v1/users", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["site_ids"] == [str(SITE_A)] and "password" not in created.text
    _problem(gw.post("/api/v1/users", json=body, headers=admin_headers), 409)
    staff = {"Authorization": f"Bearer {login(gw, name, 'office password 1')['access_token']}"}
    other = {**body, "username": f"x-{uuid.uuid4().hex[:6]}", "role": "admin", "site_ids": []}
    _problem(gw.post("/api/v1/users", json=other, headers=staff), 403)
    _problem(gw.get("/api/v1/users", headers=staff), 403)
    assert gw.get(f"/api/v1/users/{created.json()['id']}", headers=staff).status_code == 200
    listed = gw.get("/api/v1/users", params={"site_id": str(SITE_A)}, headers=admin_headers)
    assert name in [u["username"] for u in listed.json()]


def test_user_input_errors_name_the_field(gw: TestClient, admin_headers: dict[str, str]) -> None:
    no_site = {"username": "office-x", "password": "office password 1", "role": "office_staff"}
    body = _problem(
        gw.post("/api/v1/users", json=no_site, headers={**admin_headers, "Accept-Language": "en"}), 422
    )
    assert "site" in str(body["detail"])
    short = {"username": "ab", "password": "short", "role": "admin"}
    errors = _problem(gw.post("/api/v1/users", json=short, headers=admin_headers), 422)["errors"]
    fields = {e["field"] for e in errors}  # type: ignore[attr-defined]
    assert {"body.username", "body.password"} <= fields
    bad_role = {"username": "abc-def", "password": "long enough pw", "role": "employer"}
    assert "body.role" in str(_problem(gw.post("/api/v1/users", json=bad_role, headers=admin_headers), 422))


def test_disabled_user_loses_access_at_once(gw: TestClient, admin_headers: dict[str, str]) -> None:
    name = f"office-{uuid.uuid4().hex[:8]}"
    body = {
        "username": name,
        "password": "office password 1",
        "role": "office_staff",
        "site_ids": [str(SITE_A)],
    }
    user_id = gw.post("/api/v1/users", json=body, headers=admin_headers).json()["id"]
    tokens = login(gw, name, "office password 1")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert gw.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert (
        gw.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin_headers).status_code == 200
    )
    _problem(gw.get("/api/v1/auth/me", headers=headers), 401)
    _problem(gw.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
    _problem(gw.post("/api/v1/auth/token", data={"username": name, "password": "office password 1"}), 401)


def test_api_keys_are_shown_once_stored_hashed_and_revocable(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    employer = uuid.uuid4()
    created = gw.post(
        "/api/v1/api-keys", json={"employer_id": str(employer), "name": "排班"}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key.startswith("anju_") and created.json()["prefix"] in key
    listed = gw.get("/api/v1/api-keys", params={"employer_id": str(employer)}, headers=admin_headers)
    assert listed.status_code == 200 and key not in listed.text and len(listed.json()) == 1
    assert listed.json()[0]["last_used_at"] is None

    seen = echo(gw.get("/api/v1/jobs", headers={"X-API-Key": key}))
    from anju_common.principal import verify_principal
    from gateway.config import get_settings

    principal = verify_principal(seen["headers"]["x-anju-principal"], get_settings().internal_token_secret)
    assert principal.role == "employer" and principal.employer_id == employer
    assert "x-api-key" not in seen["headers"]

    key_id = created.json()["id"]
    assert gw.get(f"/api/v1/api-keys/{key_id}", headers=admin_headers).json()["last_used_at"] is not None
    employer_view = gw.get("/api/v1/api-keys", headers={"X-API-Key": key})
    assert [k["id"] for k in employer_view.json()] == [key_id]

    from anju_common.db import make_engine
    from sqlalchemy import text

    engine = make_engine(get_settings().sqlalchemy_url())
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash FROM api_key WHERE id = :i"), {"i": key_id}).scalar_one()
    engine.dispose()
    assert key not in stored and len(stored) == 64

    assert gw.delete(f"/api/v1/api-keys/{key_id}", headers=admin_headers).status_code == 204
    revoked = gw.get("/api/v1/jobs", headers={"X-API-Key": key})
    assert _problem(revoked, 401)["type"] == "urn:anju:problem:api-key-revoked"
    tampered = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    _problem(gw.get("/api/v1/jobs", headers={"X-API-Key": tampered}), 401)
    _problem(gw.get("/api/v1/jobs", headers={"X-API-Key": "anju_000000000000_" + "x" * 40}), 401)
    _problem(gw.get("/api/v1/jobs", headers={"X-API-Key": "just-a-string"}), 401)


def test_office_staff_see_and_revoke_only_their_own_keys(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    names = []
    for _ in range(2):
        name = f"office-{uuid.uuid4().hex[:8]}"
        create_staff(name, "office password 1", "office_staff", [SITE_A])
        names.append({"Authorization": f"Bearer {login(gw, name, 'office password 1')['access_token']}"})
    mine = gw.post("/api/v1/api-keys", json={"employer_id": str(uuid.uuid4())}, headers=names[0])
    assert mine.status_code == 201
    key_id = mine.json()["id"]
    assert gw.get(f"/api/v1/api-keys/{key_id}", headers=names[1]).status_code == 404
    assert gw.delete(f"/api/v1/api-keys/{key_id}", headers=names[1]).status_code == 404
    assert gw.get("/api/v1/api-keys", headers=names[1]).json() == []
    employer_key = {"X-API-Key": mine.json()["key"]}
    _problem(gw.post("/api/v1/api-keys", json={"employer_id": str(uuid.uuid4())}, headers=employer_key), 403)
    assert gw.delete(f"/api/v1/api-keys/{key_id}", headers=names[0]).status_code == 204


def test_create_user_command(gateway_env: Callable[..., None], gw: TestClient) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    site = str(uuid.uuid4())
    cmd = [
        sys.executable,
        "-m",
        "gateway",
        "create-user",
        "--username",
        name,
        "--role",
        "office_staff",
        "--site",
        site,
    ]
    import os

    env = {**os.environ, "GATEWAY_NEW_USER_PASSWORD": "from the environment", "ANJU_LOG_JSON": "false"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + done.stdout
    assert login(gw, name, "from the environment")["site_ids"] == [site]
    reset = subprocess.run(
        [*cmd, "--update", "--password", "a new long password"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reset.returncode == 0, reset.stderr
    login(gw, name, "a new long password")
    bad = subprocess.run(
        [*cmd[:-2], "--password", "a new long password"], env=env, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "site" in bad.stdout
    assert ADMIN_PASSWORD not in done.stdout
