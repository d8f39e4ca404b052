"""FastAPI dependencies of the gateway's own routes."""

from __future__ import annotations

from typing import Annotated

from anju_common.principal import Principal
from anju_common.problems import Problem
from fastapi import Depends, Request

from gateway.auth import authenticate, rate_limit
from gateway.runtime import GatewayRuntime


def get_rt(request: Request) -> GatewayRuntime:
    """The gateway runtime built at startup."""
    runtime: GatewayRuntime = request.app.state.runtime
    return runtime


def client_ip(request: Request) -> str:
    """The peer address (the gateway is the edge; put a trusted proxy's header here if one fronts it)."""
    return request.client.host if request.client else "unknown"


def limit_ip(request: Request) -> None:
    """Per-IP rate limit."""
    rt = get_rt(request)
    rate_limit(rt, rt.limit_ip, "ip", client_ip(request))


def current_principal(request: Request) -> Principal:
    """The authenticated caller, rate-limited per IP and per principal."""
    rt = get_rt(request)
    rate_limit(rt, rt.limit_ip, "ip", client_ip(request))
    principal = authenticate(rt, request.headers.get("authorization"), request.headers.get("x-api-key"))
    rate_limit(rt, rt.limit_principal, "principal", principal.sub)
    return principal


def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """Only administrators."""
    if principal.role != "admin":
        raise Problem(403, "only administrators may do this", code="forbidden")
    return principal


RtDep = Annotated[GatewayRuntime, Depends(get_rt)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
AdminDep = Annotated[Principal, Depends(admin_principal)]
