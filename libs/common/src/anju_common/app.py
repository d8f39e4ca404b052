"""Service runtime (engine, producer, Redis, background workers) and the FastAPI app factory."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis
import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, MetaData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anju_common.apidocs import install_docs
from anju_common.db import make_engine
from anju_common.event_tables import EventTables
from anju_common.guard import PrincipalGuard
from anju_common.headers import SecurityHeaders
from anju_common.health import readiness_checks
from anju_common.inputs import NulGuardMiddleware
from anju_common.kafka import ConsumerRunner, Producer
from anju_common.logs import configure_logging, get_logger
from anju_common.metrics import HTTP_LATENCY, HTTP_REQUESTS
from anju_common.openapi import install_openapi
from anju_common.outbox import OutboxRelay
from anju_common.pagination import set_cursor_secret
from anju_common.problems import install_problem_handlers
from anju_common.settings import ServiceSettings

log = get_logger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"


class Background(Protocol):
    """Something the runtime starts with the app and stops with it."""

    def start(self) -> None: ...
    def stop(self, timeout: float = ...) -> None: ...


@dataclass
class Runtime:
    """Everything a service process holds: built once, shared by requests and workers."""

    settings: ServiceSettings
    metadata: MetaData
    tables: EventTables
    engine: Engine
    producer: Producer
    redis: redis.Redis[bytes]
    workers: list[Background] = field(default_factory=list)
    relay: OutboxRelay | None = None

    @classmethod
    def build(cls, settings: ServiceSettings, metadata: MetaData, tables: EventTables) -> Runtime:
        """Create the engine, producer and Redis client from settings."""
        engine = make_engine(settings.sqlalchemy_url())
        producer = Producer(settings.kafka_bootstrap, client_id=f"anju-{settings.service_name}")
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        rt = cls(
            settings=settings,
            metadata=metadata,
            tables=tables,
            engine=engine,
            producer=producer,
            redis=client,
        )
        rt.relay = OutboxRelay(engine, tables, producer, poll_seconds=settings.outbox_poll_seconds)
        return rt

    def add_consumer(self, runner: ConsumerRunner) -> None:
        """Register a consumer to run with the app."""
        self.workers.append(runner)

    def start(self) -> None:
        """Start the relay and the consumers (unless settings say not to)."""
        if not self.settings.run_workers:
            return
        if self.relay is not None:
            self.relay.start()
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        """Stop workers, then the relay, then close clients."""
        for worker in reversed(self.workers):
            worker.stop(10)
        if self.relay is not None:
            self.relay.stop(10)
        self.producer.close()
        self.redis.close()
        self.engine.dispose()

    def readiness(self) -> dict[str, str]:
        """Check database, Kafka and Redis; value is 'ok' or the error."""
        return readiness_checks(self.engine, self.redis, self.settings.kafka_bootstrap)


class RequestContextMiddleware:
    """Request id in, request id out, bound into every log line; metrics per route."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:128]
        request_id = incoming if incoming and incoming.isprintable() else str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            elapsed = time.perf_counter() - started
            HTTP_REQUESTS.labels(self.service, scope["method"], path, str(status)).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], path).observe(elapsed)
            if path not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "http.request",
                    method=scope["method"],
                    route=path,
                    status=status,
                    ms=round(elapsed * 1000, 1),
                )
            structlog.contextvars.clear_contextvars()


def create_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: list[APIRouter],
    runtime_factory: Callable[[], Runtime],
    version: str = "0.1.0",
    openapi_tags: list[dict[str, Any]] | None = None,
) -> FastAPI:
    """A FastAPI app with problem+json errors, request ids, health, readiness and metrics."""
    settings.refuse_insecure_defaults()
    settings.follow_test_clock()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    set_cursor_secret(settings.cursor_secret)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = runtime_factory()
        app.state.runtime = runtime
        runtime.start()
        log.info("service.started", host=settings.host, port=settings.port)
        try:
            yield
        finally:
            runtime.stop()
            log.info("service.stopped")

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app)
    install_problem_handlers(app)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(PrincipalGuard, settings=settings, routers=routers)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.add_middleware(SecurityHeaders)

    add_ops_routes(app, settings.service_name)
    for router in routers:
        app.include_router(router)
    install_openapi(app)
    return app


def add_ops_routes(
    app: FastAPI,
    service_name: str,
    *,
    in_schema: bool = True,
    report: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """/healthz, /readyz (the runtime's readiness checks, plus what report adds) and /metrics."""

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process answers", include_in_schema=in_schema)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service_name}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: database, Kafka and Redis reachable",
        include_in_schema=in_schema,
    )
    def readyz(request: Request, response: Response) -> dict[str, Any]:
        runtime = request.app.state.runtime
        checks: dict[str, str] = runtime.readiness()
        ok = all(v == "ok" for v in checks.values())
        response.status_code = 200 if ok else 503
        body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": checks}
        if report is not None:
            body.update(report(runtime))
        return body

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
