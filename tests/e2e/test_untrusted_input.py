"""On the running stack (production mode, secrets of its own): the public development credentials open
nothing, a NUL anywhere is a 422 naming the field at the gateway and at every service, forged cursors are
400 and internal webhook targets 422, and no log line holds SQL values."""

from __future__ import annotations

import base64
import json
import time
import uuid

import httpx
import jwt
import pytest
from anju_common.principal import PRINCIPAL_HEADER, SERVICE_TOKEN_HEADER, Principal, sign_principal
from anju_common.settings import DEV_INTERNAL_SECRET, DEV_SERVICE_TOKEN

from tests.e2e.harness import CALLBACK_TOKEN, Stack, admin_headers, expect

# The first e2e test of a session also starts the stack, which takes minutes on a loaded machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
DEV_JWT_SECRET = "dev-gateway-jwt-secret-change-me-please-32b"
DEV_CALLBACK_TOKEN = "dev-callback-token"
LIST_PATHS = {
    "jobs": "/api/v1/jobs",
    "workers": "/api/v1/sites",
    "matching": "/api/v1/matches/00000000-0000-0000-0000-000000000000",
    "notifications": "/api/v1/notifications",
}


def _admin_principal(stack: Stack, secret: str | None = None) -> dict[str, str]:
    token = sign_principal(
        Principal(sub="e2e", role="admin"), secret or stack.env["ANJU_INTERNAL_TOKEN_SECRET"]
    )
    return {PRINCIPAL_HEADER: token}


def test_the_stack_runs_in_production_mode_and_refuses_every_public_development_credential(
    stack: Stack,
) -> None:
    assert stack.env["ANJU_ENV"] == "production"  # it started, so no service kept a public default
    now = int(time.time())
    claims = {"iss": "anju-gateway", "aud": "anju-api", "sub": "user:x", "role": "admin", "typ": "access"}
    forged_jwt = jwt.encode({**claims, "iat": now, "exp": now + 600}, DEV_JWT_SECRET, algorithm="HS256")
    with httpx.Client(base_url=stack.gateway, timeout=20) as gw:
        for path in ("/api/v1/workers", "/api/v1/users", "/api/v1/jobs"):
            r = gw.get(path, headers={"Authorization": f"Bearer {forged_jwt}"})
            assert r.status_code == 401, (path, r.text)
        # A forged principal sent to the gateway is ignored (it re-authenticates every call).
        assert (
            gw.get("/api/v1/workers", headers=_admin_principal(stack, DEV_INTERNAL_SECRET)).status_code == 401
        )
        reply = {"phone": "+8613800000000", "text": "1", "provider": "smpp", "provider_message_id": "x1"}
        for token in (DEV_CALLBACK_TOKEN, ""):
            r = gw.post("/api/v1/sms/inbound", json=reply, headers={"X-Anju-Callback-Token": token})
            assert r.status_code == 401, r.text
        # The stack's own token is accepted (the reply is simply matched to nothing).
        r = gw.post("/api/v1/sms/inbound", json=reply, headers={"X-Anju-Callback-Token": CALLBACK_TOKEN})
        assert r.status_code == 200, r.text
    with httpx.Client(timeout=20) as direct:
        for name, proc in stack.procs.items():
            if name == "gateway":
                continue
            forged = direct.get(
                proc.url + LIST_PATHS[name], headers=_admin_principal(stack, DEV_INTERNAL_SECRET)
            )
            assert forged.status_code == 401, (name, forged.text)
            real = direct.get(proc.url + LIST_PATHS[name], headers=_admin_principal(stack))
            assert real.status_code in (200, 404), (name, real.text)
        contact = f"{stack.procs['workers'].url}/internal/v1/workers/{uuid.uuid4()}/contact"
        assert direct.get(contact, headers={SERVICE_TOKEN_HEADER: DEV_SERVICE_TOKEN}).status_code == 401
        real_token = {SERVICE_TOKEN_HEADER: stack.env["ANJU_SERVICE_TOKEN"]}
        assert direct.get(contact, headers=real_token).status_code == 404


def _nul_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, f"{response.request.method} {response.request.url}: {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


def test_a_nul_character_is_a_422_naming_the_field_at_the_gateway_and_every_service(stack: Stack) -> None:
    stack.require("jobs", "workers", "matching", "notifications")
    site = {"name": "王家\u0000社区", "county": "惠水县", "province": "贵州省", "lat": 26.1, "lon": 106.6}
    with stack.client(**admin_headers(stack)) as gw:
        assert _nul_fields(gw.post("/api/v1/sites", json=site)) == ["body.name"]
        assert _nul_fields(gw.get("/api/v1/workers", params={"skill": "缝纫\x00"})) == ["query.skill"]
        employer = {"name": "车间", "kind": "workshop", "contact_name": "王\u0000"}
        assert _nul_fields(gw.post("/api/v1/employers", json=employer)) == ["body.contact_name"]
    with httpx.Client(base_url=stack.gateway, timeout=20) as anonymous:
        login = anonymous.post("/api/v1/auth/token", data={"username": "ad\x00min", "password": "x"})
        assert _nul_fields(login) == ["body.username"]
    # Straight at each service (as the gateway would call it): the same answer, not a 500.
    headers = _admin_principal(stack)
    direct = {
        "jobs": ("POST", "/api/v1/employers", {"name": "\u0000", "kind": "workshop"}, ["body.name"]),
        "workers": ("POST", "/api/v1/sites", site, ["body.name"]),
        "matching": ("GET", LIST_PATHS["matching"] + "?note=%00", None, ["query.note"]),
        "notifications": ("GET", "/api/v1/notifications?status=sent%00", None, ["query.status"]),
    }
    with httpx.Client(timeout=20) as client:
        for name, (method, path, body, fields) in direct.items():
            r = client.request(method, stack.procs[name].url + path, json=body, headers=headers)
            assert _nul_fields(r) == fields, name
    stack.check_alive()
    for name, text in stack.logs().items():
        assert "[parameters:" not in text, name
        assert "cannot contain NUL" not in text, name


def _unsigned(values: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_forged_cursors_and_internal_webhook_targets_are_refused(stack: Stack) -> None:
    stack.require("jobs", "workers", "notifications")
    with stack.client(**admin_headers(stack)) as gw:
        body = {"name": f"游标测试点 {uuid.uuid4().hex[:4]}", "county": "惠水县", "province": "贵州省"}
        site = expect(gw.post("/api/v1/sites", json={**body, "lat": 40.1, "lon": 80.2}), 201, stack)
        forged_keyset = _unsigned(["2999-01-01T00:00:00+00:00", str(uuid.uuid4())])
        for path in ("/api/v1/jobs", "/api/v1/sites", "/api/v1/workers", "/api/v1/notifications"):
            r = gw.get(path, params={"cursor": forged_keyset})
            assert r.status_code == 400, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        feed = f"/api/v1/offices/{site['id']}/feed"
        for cursor in (_unsigned([10**20]), _unsigned([0]), "garbage"):
            assert gw.get(feed, params={"cursor": cursor}).status_code == 400, cursor
        page = expect(gw.get(feed), 200)
        assert page["items"] == []
        hooks = f"/api/v1/offices/{site['id']}/webhooks"
        for url in (
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:6379/",
            f"http://127.0.0.1:{stack.procs['workers'].port}/internal/v1/workers/x/contact",
            "http://10.0.0.8/hook",
            "http://[::1]/hook",
        ):
            r = gw.post(hooks, json={"url": url})
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", (url, r.text)
        assert expect(gw.get(hooks), 200) == []
