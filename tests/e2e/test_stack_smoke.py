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
