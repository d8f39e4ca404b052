"""Fixtures of the gateway tests: its own database and Redis namespace, and a recording upstream."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MIGRATIONS = Path(__file__).resolve().parents[2] / "gateway" / "migrations"
ADMIN_PASSWORD = "admin-password-123"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fake_openapi(service: str) -> dict[str, Any]:
    """A small OpenAPI document per service, with a schema name that clashes between two of them."""
    resource = {"jobs": "jobs", "workers": "workers", "matching": "matches", "notifications": "notifications"}
    path = f"/api/v1/{resource[service]}"
    return {
        "openapi": "3.1.0",
        "info": {"title": service, "version": "0"},
        "paths": {
            path: {
                "get": {
                    "operationId": f"list_{service}",
                    "tags": [service],
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}
                        },
                        "422": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
                                }
                            }
                        },
                    },
                }
            },
            "/internal/v1/secret": {"get": {"responses": {"200": {"description": "never public"}}}},
            "/healthz": {"get": {"responses": {"200": {"description": "ops"}}}},
            **(
                {"/api/v1/match-digests": {"get": {"operationId": "list_match_digests", "responses": {}}}}
                if service == "matching"
                else {}
            ),
        },
        "components": {
            "schemas": {
                "Item": {"type": "object", "properties": {"field_of": {"const": service}}},
                "HTTPValidationError": {"type": "object"},
            }
        },
    }


async def _echo(request: Request) -> Response:
    """Answer with what arrived, so tests can see exactly what the gateway forwarded."""
    parts = request.url.path.split("/", 2)
    service, rest = parts[1], "/" + (parts[2] if len(parts) > 2 else "")
    if rest == "/openapi.json":
        return JSONResponse(_fake_openapi(service))
    if rest.endswith("/slow"):
        await asyncio.sleep(5)
    if rest.endswith("/stream"):

        async def events() -> AsyncIterator[bytes]:
            for i in range(3):
                yield f"data: event {i}\n\n".encode()
                await asyncio.sleep(0.05)

        return StreamingResponse(events(), media_type="text/event-stream")
    if rest.endswith("/boom"):
        return JSONResponse({"detail": "upstream problem"}, status_code=409, headers={"X-Upstream": "yes"})
    body = await request.body()
    return JSONResponse(
        {
            "service": service,
            "path": rest,
            "method": request.method,
            "query": request.url.query,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "body_length": len(body),
        }
    )


class Upstream:
    """One uvicorn server on a free port; each service's base URL is a path prefix of it."""

    def __init__(self) -> None:
        self.port = free_port()
        app = Starlette(
            routes=[Route("/{path:path}", _echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
        )
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def url(self, service: str) -> str:
        """Base URL the gateway uses for a service."""
        return f"http://127.0.0.1:{self.port}/{service}"

    def __enter__(self) -> Upstream:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    """The recording upstream, shared by the session."""
    with Upstream() as up:
        yield up


@pytest.fixture(scope="session")
def gateway_db(infra: Infra) -> str:
    """A fresh database with the gateway schema."""
    url = infra.create_database("gateway")
    upgrade(MIGRATIONS, url)
    return url


@pytest.fixture
def gateway_env(infra: Infra, gateway_db: str, upstream: Upstream) -> Iterator[Callable[..., None]]:
    """Point the gateway at this run's database, Redis namespace and the recording upstream."""
    from gateway.config import get_settings

    saved = dict(os.environ)

    def apply(**extra: str) -> None:
        settings = {
            "GATEWAY_DATABASE_URL": gateway_db,
            "GATEWAY_RATE_LIMIT_PREFIX": f"t{infra.run_id}-gw-{uuid.uuid4().hex[:6]}",
            "GATEWAY_JOBS_URL": upstream.url("jobs"),
            "GATEWAY_WORKERS_URL": upstream.url("workers"),
            "GATEWAY_MATCHING_URL": upstream.url("matching"),
            "GATEWAY_NOTIFICATIONS_URL": upstream.url("notifications"),
            "GATEWAY_VALIDATE_REFERENCES": "false",
            "GATEWAY_OPENAPI_CACHE_SECONDS": "0",
        }
        os.environ.update(infra.env(**{**settings, **extra}))
        get_settings.cache_clear()

    apply()
    yield apply
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()


@pytest.fixture
def make_client(gateway_env: Callable[..., None]) -> Iterator[Callable[..., TestClient]]:
    """Build gateway clients (optionally with extra settings); all are closed at the end."""
    from gateway.main import make_app

    clients: list[TestClient] = []

    def build(**extra: str) -> TestClient:
        gateway_env(**extra)
        client = TestClient(make_app(), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def gw(make_client: Callable[..., TestClient]) -> TestClient:
    """A gateway client with default settings."""
    return make_client()


def create_staff(
    username: str, password: str, role: str, site_ids: list[uuid.UUID] | None = None
) -> uuid.UUID:
    """Insert a staff user directly, as the create-user command does."""
    from anju_common.db import make_engine, session_scope
    from gateway.config import get_settings
    from gateway.schemas import UserCreate

    from gateway import service

    engine = make_engine(get_settings().sqlalchemy_url())
    try:
        with session_scope(engine) as session:
            user = service.create_user(
                session,
                UserCreate(username=username, password=password, role=role, site_ids=site_ids or []),  # type: ignore[arg-type]
                "test",
            )
            return user.id
    finally:
        engine.dispose()


def login(client: TestClient, username: str, password: str) -> dict[str, Any]:
    """Password grant; returns the token response."""
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def admin_headers(gw: TestClient) -> dict[str, str]:
    """Bearer headers of a fresh administrator."""
    name = f"admin-{uuid.uuid4().hex[:8]}"
    create_staff(name, ADMIN_PASSWORD, "admin")
    return {"Authorization": f"Bearer {login(gw, name, ADMIN_PASSWORD)['access_token']}"}


def echo(response: Any) -> dict[str, Any]:
    """The upstream's record of a forwarded request."""
    assert response.status_code == 200, response.text
    data: dict[str, Any] = json.loads(response.text)
    return data
