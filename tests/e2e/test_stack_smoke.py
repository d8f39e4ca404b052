"""The stack comes up: every service ready behind the gateway, the admin can log in."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Stack, admin_headers, expect

pytestmark = pytest.mark.e2e


def test_every_service_is_ready_and_reachable_only_through_the_gateway(stack: Stack) -> None:
    headers = admin_headers(stack)
    with stack.client(**headers) as gw:
        me = expect(gw.get("/api/v1/auth/me"), 200)
        assert me["role"] == "admin"
        doc = expect(gw.get("/openapi.json"), 200)
        for name in {p.name for p in stack.procs.values()}:
            if name != "gateway":
                assert doc["x-anju-services"][name] == "ok"
        assert gw.get("/internal/v1/workers/00000000-0000-0000-0000-000000000000/contact").status_code == 404
    # Services refuse callers that did not come through the gateway.
    import httpx

    for name, proc in stack.procs.items():
        if name in ("gateway",):
            continue
        path = {
            "jobs": "/api/v1/jobs",
            "workers": "/api/v1/sites",
            "matching": "/api/v1/matches/x",
            "notifications": "/api/v1/notifications",
        }[name]
        direct = httpx.get(proc.url + path, timeout=10)
        assert direct.status_code == 401, f"{name}: {direct.status_code} {direct.text}"


def test_an_idle_connection_outlives_the_client_pools_expiry(stack: Stack) -> None:
    """A connection idle past httpx's pool expiry is still open on every server: the client drops it first,
    so the gateway never sends a request on a connection the service is closing."""
    import http.client
    import time
    from urllib.parse import urlsplit

    from anju_common.serving import CLIENT_KEEPALIVE_SECONDS, SERVER_KEEP_ALIVE_SECONDS

    assert CLIENT_KEEPALIVE_SECONDS < SERVER_KEEP_ALIVE_SECONDS
    conns = {}
    for name, proc in stack.procs.items():
        conn = http.client.HTTPConnection(urlsplit(proc.url).netloc, timeout=10)
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        first.read()
        assert first.status == 200, name
        conns[name] = conn
    time.sleep(6.5)  # past the 5 s keep-alive that uvicorn and httpx both default to
    for name, conn in conns.items():
        sock = conn.sock
        conn.request("GET", "/healthz")
        again = conn.getresponse()
        again.read()
        assert again.status == 200, name
        assert conn.sock is sock, f"{name} closed the idle connection"
        conn.close()
