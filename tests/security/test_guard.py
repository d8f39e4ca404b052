"""The kit's guard, in each service's own app: under ANJU_REQUIRE_PRINCIPAL every route (enumerated from the
app, so a new one cannot be forgotten) but health, readiness, metrics and declared provider callbacks answers
401 without a signed principal; and every answer carries the security headers."""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from anju_common.guard import OPEN_PATHS, PUBLIC_EXTRA
from anju_common.principal import PRINCIPAL_HEADER, Principal, sign_principal
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

SERVICES = ("jobs", "workers", "matching", "notifications")
SECRET = "guard-test-internal-secret-0123456789abcdef"


@pytest.fixture
def apps(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, FastAPI]]:
    """Each service's app built with the principal required (no lifespan: the guard answers first)."""
    monkeypatch.setenv("ANJU_REQUIRE_PRINCIPAL", "true")
    monkeypatch.setenv("ANJU_INTERNAL_TOKEN_SECRET", SECRET)
    configs = [importlib.import_module(f"{name}.config") for name in SERVICES]
    for config in configs:
        config.get_settings.cache_clear()
    yield {name: importlib.import_module(f"{name}.main").make_app() for name in SERVICES}
    for config in configs:
        config.get_settings.cache_clear()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def _walk(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI keeps included routers lazily
        yield from _walk(included.routes) if included is not None else (route,)


def _routes(app: FastAPI) -> list[tuple[str, str, bool]]:
    out = []
    for route in _walk(app.routes):
        if not isinstance(route, Route | APIRoute):
            continue
        public = isinstance(route, APIRoute) and bool((route.openapi_extra or {}).get(PUBLIC_EXTRA))
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                out.append((method, route.path, public))
    return out


def test_every_route_of_every_service_needs_a_principal(apps: dict[str, FastAPI]) -> None:
    failures: list[str] = []
    forged = sign_principal(Principal(sub="x", role="admin"), "not-the-secret-but-long-enough-for-hs256")
    for name, app in apps.items():
        routes = _routes(app)
        assert sum(p.startswith("/api/v1/") for _, p, _ in routes) >= 5, name
        client = TestClient(app, raise_server_exceptions=False)
        for method, path, public in routes:
            if path in OPEN_PATHS or public:
                continue
            for headers in ({}, {PRINCIPAL_HEADER: forged}):
                r = client.request(method, _concrete(path), headers=headers)
                if r.status_code != 401 or not r.headers["content-type"].startswith("application/problem"):
                    failures.append(f"{name} {method} {path} {list(headers)}: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_trainings_of_the_jobs_service_are_not_public(apps: dict[str, FastAPI]) -> None:
    client = TestClient(apps["jobs"], raise_server_exceptions=False)
    r = client.get("/api/v1/trainings")
    assert r.status_code == 401 and r.json()["type"] == "urn:anju:problem:no-principal"
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/docs").status_code == 401


def test_only_the_provider_callbacks_are_declared_public(apps: dict[str, FastAPI]) -> None:
    public = {(n, m, p) for n, app in apps.items() for m, p, pub in _routes(app) if pub}
    assert public == {
        ("notifications", "POST", "/api/v1/sms/inbound"),
        ("notifications", "POST", "/api/v1/sms/reports"),
    }


def test_internal_paths_need_the_service_token_not_a_principal(apps: dict[str, FastAPI]) -> None:
    client = TestClient(apps["workers"], raise_server_exceptions=False)
    principal = sign_principal(Principal(sub="x", role="admin"), SECRET)
    path = f"/internal/v1/workers/{uuid.uuid4()}/contact"
    for headers in ({}, {PRINCIPAL_HEADER: principal}, {"X-Anju-Service-Token": "guess"}):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, (headers, r.status_code)


def _headers_ok(headers: Any, html: bool) -> list[str]:
    wrong = []
    if headers.get("x-content-type-options") != "nosniff":
        wrong.append("nosniff")
    if "server" in headers:
        wrong.append("server banner")
    if html:
        csp = headers.get("content-security-policy", "")
        if "frame-ancestors 'none'" not in csp or "default-src 'self'" not in csp:
            wrong.append(f"csp {csp!r}")
        if headers.get("x-frame-options") != "DENY":
            wrong.append("x-frame-options")
    elif headers.get("cache-control") != "no-store":
        wrong.append(f"cache-control {headers.get('cache-control')!r}")
    return wrong


def test_security_headers_on_answers_and_errors(apps: dict[str, FastAPI]) -> None:
    principal = sign_principal(Principal(sub="x", role="admin"), SECRET)
    for name, app in apps.items():
        client = TestClient(app, raise_server_exceptions=False)
        for path, headers in (
            ("/healthz", {}),
            ("/api/v1/nothing-here", {}),
            ("/openapi.json", {PRINCIPAL_HEADER: principal}),
        ):
            r = client.get(path, headers=headers)
            wrong = _headers_ok(r.headers, html=False)
            assert not wrong, f"{name} {path} {r.status_code}: {wrong}"
        page = client.get("/docs", headers={PRINCIPAL_HEADER: principal})
        assert page.status_code == 200
        assert not _headers_ok(page.headers, html=True), f"{name} /docs: {_headers_ok(page.headers, True)}"
