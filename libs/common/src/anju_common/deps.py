"""FastAPI dependencies every service uses: the runtime, a unit-of-work session, the principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from anju_common.app import Runtime
from anju_common.db import session_scope
from anju_common.openapi import errors_of
from anju_common.principal import Principal, principal_from_request
from anju_common.sites import SiteCheck


def get_runtime(request: Request) -> Runtime:
    """The service's runtime, built at startup."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed after the handler returns and before the response (any
    runtime with an engine: the services' and the gateway's)."""
    with session_scope(request.app.state.runtime.engine) as session:
        yield session


def get_principal(request: Request) -> Principal:
    """The verified caller."""
    settings = get_runtime(request).settings
    return principal_from_request(request, settings.internal_token_secret, settings.require_principal)


errors_of(get_principal, 401, 403)


def get_sites(request: Request) -> SiteCheck:
    """Checks of site ids in request bodies."""
    runtime = get_runtime(request)
    return SiteCheck(runtime.settings, runtime.redis)


def get_request_id(request: Request) -> str | None:
    """The request id the middleware assigned."""
    value = getattr(request.state, "request_id", None)
    return str(value) if value else None


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
SitesDep = Annotated[SiteCheck, Depends(get_sites)]
RequestIdDep = Annotated[str | None, Depends(get_request_id)]
