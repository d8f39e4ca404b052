"""The gateway's ASGI app: the one public entrance to every Anju service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anju_common.apidocs import install_docs
from anju_common.app import RequestContextMiddleware, add_ops_routes
from anju_common.headers import SecurityHeaders
from anju_common.inputs import NulGuardMiddleware
from anju_common.logs import configure_logging, get_logger
from anju_common.openapi import install_openapi
from anju_common.principal import Principal
from anju_common.problems import Problem, install_problem_handlers, problem_response
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth import authenticate, rate_limit
from gateway.config import get_settings
from gateway.deps import client_ip
from gateway.openapi import aggregated, allowed_methods
from gateway.proxy import PUBLIC, body_limit, forward, is_safe_path, resolve
from gateway.routes import router
from gateway.runtime import GatewayRuntime

log = get_logger(__name__)
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class BodyTooLarge(Problem):
    """The request body is over the limit for its path."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"request body is larger than {limit} bytes", code="body-too-large", max_bytes=limit
        )


class BodyLimitMiddleware:
    """413 for bodies over the path's limit, by Content-Length up front or by counting while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int, import_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_bytes = import_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(self.max_bytes, self.import_bytes, scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _send_problem(scope, send, 413, f"request body is larger than {limit} bytes")
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


async def _send_problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    request = Request(scope)
    response = problem_response(request, status, detail, code="body-too-large")
    await response(scope, _noop_receive, send)


async def _noop_receive() -> Message:
    return {"type": "http.disconnect"}


def _gate(request: Request, rt: GatewayRuntime, public: bool) -> Principal | None:
    ip = client_ip(request)
    rate_limit(rt, rt.limit_ip, "ip", ip)
    if public:
        return None
    principal = authenticate(rt, request.headers.get("authorization"), request.headers.get("x-api-key"))
    rate_limit(rt, rt.limit_principal, "principal", principal.sub)
    return principal


def make_app() -> FastAPI:
    """Build the gateway app from current settings."""
    settings = get_settings()
    settings.refuse_insecure_defaults()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = GatewayRuntime.build(settings)
        app.state.runtime = runtime
        log.info("service.started", host=settings.host, port=settings.port)
        try:
            yield
        finally:
            await runtime.close()
            log.info("service.stopped")

    app = FastAPI(
        title="Anju gateway",
        description="Authentication, tenancy, routing, rate limits and the aggregated OpenAPI of Anju.",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(app)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, import_bytes=settings.max_import_bytes
    )
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.add_middleware(SecurityHeaders)

    add_ops_routes(app, settings.service_name, in_schema=False, report=lambda rt: {"circuits": rt.circuits()})

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        runtime: GatewayRuntime = request.app.state.runtime
        return JSONResponse(await aggregated(runtime, app.openapi()))

    install_docs(app, title="Anju API")

    app.include_router(router)

    @app.api_route("/api/v1/{rest:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def proxy(request: Request) -> Response:
        runtime: GatewayRuntime = request.app.state.runtime
        path = request.url.path
        if not is_safe_path(path, request.scope.get("raw_path")):
            raise Problem(404, f"no route for {path}", code="no-route")
        service = resolve(path)
        if service is None:
            await aggregated(runtime, app.openapi())
            service = resolve(path, runtime.dynamic_routes)
        # The document is the contract: a method it does not declare for a known path (the gateway's own
        # included) is a 405 with Allow, once the caller is authenticated.
        allowed = allowed_methods(await aggregated(runtime, app.openapi()), path)
        if service is None and allowed is None:
            raise Problem(404, f"no route for {path}", code="no-route")
        principal = await run_in_threadpool(_gate, request, runtime, bool(PUBLIC.match(path)))
        if service is None or (allowed is not None and request.method not in allowed):
            raise Problem(
                405, f"{request.method} is not allowed here", headers={"Allow": ", ".join(allowed or [])}
            )
        body = await request.body()
        return await forward(request, runtime, service, principal, body)

    install_openapi(app)
    return app


app = make_app()
