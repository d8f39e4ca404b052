"""Who may reach a service at all: under ANJU_REQUIRE_PRINCIPAL every path needs a verified caller."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from anju_common.principal import PRINCIPAL_HEADER, SERVICE_TOKEN_HEADER, verify_principal
from anju_common.problems import Problem, problem_response
from anju_common.settings import ServiceSettings

# Probes and scrapes answer without a caller; nothing else does.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# A route that authenticates its caller itself (provider callbacks) says so with openapi_extra=PUBLIC_ROUTE.
PUBLIC_EXTRA = "x-anju-public"
PUBLIC_ROUTE: dict[str, Any] = {PUBLIC_EXTRA: True}
INTERNAL_PREFIX = "/internal/"


def public_routes(routers: Sequence[APIRouter]) -> list[APIRoute]:
    """The routes that declared PUBLIC_ROUTE (they check their caller's credential themselves)."""
    return [
        route
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and (route.openapi_extra or {}).get(PUBLIC_EXTRA)
    ]


def _is_public(scope: Scope, public: Sequence[APIRoute]) -> bool:
    return any(route.matches(scope)[0] == Match.FULL for route in public)


def check_caller(scope: Scope, settings: ServiceSettings, public: Sequence[APIRoute] = ()) -> None:
    """Raise Problem(401) unless the request carries what its path needs."""
    path: str = scope["path"]
    if path in OPEN_PATHS or _is_public(scope, public):
        return
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
    if path.startswith(INTERNAL_PREFIX):
        token = headers.get(SERVICE_TOKEN_HEADER.lower(), "")
        if not hmac.compare_digest(token.encode(), settings.service_token.encode()):
            raise Problem(401, f"{SERVICE_TOKEN_HEADER} is missing or wrong", code="bad-service-token")
        return
    token = headers.get(PRINCIPAL_HEADER.lower())
    if not token:
        raise Problem(401, "requests must come through the gateway", code="no-principal")
    verify_principal(token, settings.internal_token_secret)


class PrincipalGuard:
    """ASGI middleware: 401 problem+json before routing when the caller is missing or forged."""

    def __init__(self, app: ASGIApp, settings: ServiceSettings, routers: Sequence[APIRouter] = ()) -> None:
        self.app = app
        self.settings = settings
        self.public = public_routes(routers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.settings.require_principal:
            await self.app(scope, receive, send)
            return
        try:
            check_caller(scope, self.settings, self.public)
        except Problem as exc:
            response = problem_response(
                Request(scope), exc.status, exc.detail, title=exc.title, code=exc.code, headers=exc.headers
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
