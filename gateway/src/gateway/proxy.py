"""Forwarding of /api/v1 requests to the owning service, with the principal signed for it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
from anju_common.logs import get_logger
from anju_common.principal import PRINCIPAL_HEADER, Principal, sign_principal
from anju_common.problems import Problem
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.runtime import GatewayRuntime

log = get_logger(__name__)

# Order matters: the matches of a job or a worker belong to matching, the rest of those trees do not.
ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/api/v1/(jobs|workers)/[^/]+/matches(/.*)?$"), "matching"),
    (re.compile(r"^/api/v1/(matches|match-preview|training-offers|taxonomy)(/.*)?$"), "matching"),
    (re.compile(r"^/api/v1/(employers|jobs|trainings)(/.*)?$"), "jobs"),
    (re.compile(r"^/api/v1/(sites|households|workers|pii-reveals|departures)(/.*)?$"), "workers"),
    (re.compile(r"^/api/v1/(notifications|sms|offices)(/.*)?$"), "notifications"),
]
# Provider callbacks: no staff or employer credential; the notifications service checks the provider's.
PUBLIC = re.compile(r"^/api/v1/sms/(inbound|reports)(/.*)?$")
# The provider's own credential on those callbacks, checked by the notifications service.
CALLBACK_TOKEN_HEADER = "x-anju-callback-token"  # noqa: S105 (a header name)
IMPORT = re.compile(r"^/api/v1/workers/import/?$")
STREAM = re.compile(r"/stream/?$")
# Methods a replica that timed out may be retried with on another one (they change nothing).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
# Client credentials stay at the gateway; services learn who is calling only from the signed principal.
_STRIP_REQUEST = _HOP_BY_HOP | {
    "host",
    "content-length",
    "authorization",
    "x-api-key",
    "cookie",
    "x-request-id",
}
_STRIP_RESPONSE = _HOP_BY_HOP | {"x-request-id", "server", "date", "set-cookie"}


def is_safe_path(path: str, raw_path: bytes | None = None) -> bool:
    """Reject dot segments, backslashes and encoded separators that could escape /api/v1."""
    raw = (raw_path or b"").decode("latin-1").lower()
    if any(bad in raw for bad in ("%2f", "%5c", "%2e")):
        return False
    if "\\" in path or "//" in path or "%2f" in path.lower() or "%2e" in path.lower():
        return False
    return all(seg not in (".", "..") for seg in path.split("/"))


def resolve(path: str, dynamic: dict[str, list[re.Pattern[str]]] | None = None) -> str | None:
    """The service that owns a public path, or None."""
    for pattern, service in ROUTES:
        if pattern.match(path):
            return service
    for service, patterns in (dynamic or {}).items():
        if any(p.match(path) for p in patterns):
            return service
    return None


def body_limit(settings_max: int, import_max: int, path: str) -> int:
    """Largest accepted request body for a path."""
    return import_max if IMPORT.match(path) else settings_max


def _forward_headers(request: Request, principal: Principal | None, rt: GatewayRuntime) -> dict[str, str]:
    headers: dict[str, str] = {}
    public = bool(PUBLIC.match(request.url.path))
    for name, value in request.headers.items():
        lname = name.lower()
        if public and lname == CALLBACK_TOKEN_HEADER:
            headers[name] = value
            continue
        if lname in _STRIP_REQUEST or lname.startswith("x-anju-") or lname.startswith("x-forwarded-"):
            continue
        headers[name] = value
    if principal is not None:
        headers[PRINCIPAL_HEADER] = sign_principal(principal, rt.settings.internal_token_secret)
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        headers["X-Request-ID"] = str(request_id)
    if request.client:
        headers["X-Forwarded-For"] = request.client.host
    headers["X-Forwarded-Proto"] = request.url.scheme
    return headers


def upstream_url(base: str, request: Request) -> httpx.URL:
    """The service URL for a request, keeping the path exactly as the client encoded it."""
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    target = httpx.URL(base.rstrip("/"))
    try:
        return target.copy_with(
            raw_path=target.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
        )
    except httpx.InvalidURL as exc:
        raise Problem(400, "the request URL is not valid", code="bad-url") from exc


def unavailable(service: str, retry_after: int, detail: str) -> Problem:
    """503 problem for an upstream that cannot serve now."""
    return Problem(
        503,
        detail,
        code="service-unavailable",
        headers={"Retry-After": str(retry_after)},
        service=service,
    )


async def forward(
    request: Request, rt: GatewayRuntime, service: str, principal: Principal | None, body: bytes
) -> Response:
    """Send the request to the service and stream its answer back."""
    upstream = rt.upstreams[service]
    timeout = None
    if STREAM.search(request.url.path):
        timeout = httpx.Timeout(rt.settings.connect_timeout_seconds, read=None)
    headers = _forward_headers(request, principal, rt)
    safe = request.method in SAFE_METHODS
    response: httpx.Response | None = None
    problem: Problem | None = None
    for replica in upstream.attempts():
        upstream_request = rt.http.build_request(
            request.method,
            upstream_url(replica.url, request),
            headers=headers,
            content=body,
            timeout=timeout if timeout is not None else rt.http.timeout,
        )
        try:
            response = await rt.http.send(upstream_request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Nothing reached that replica: any method may go to the next one.
            replica.breaker.failure()
            log.warning("proxy.unreachable", service=service, error=type(exc).__name__)
            problem = unavailable(service, upstream.retry_after(), f"the {service} service is unreachable")
            continue
        except httpx.TimeoutException as exc:
            replica.breaker.failure()
            log.warning("proxy.timeout", service=service, error=type(exc).__name__)
            problem = unavailable(
                service, upstream.retry_after(), f"the {service} service did not answer in time"
            )
            if safe:
                continue
            raise problem from exc
        except httpx.HTTPError as exc:
            replica.breaker.failure()
            log.warning("proxy.unreachable", service=service, error=type(exc).__name__)
            problem = unavailable(service, upstream.retry_after(), f"the {service} service is unreachable")
            if safe:
                continue
            raise problem from exc
        replica.breaker.success()
        break
    if response is None:
        raise problem or unavailable(
            service, upstream.retry_after(), f"the {service} service is unavailable; retry shortly"
        )
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _STRIP_RESPONSE]
    out = StreamingResponse(
        _relay(response, service),
        status_code=response.status_code,
        background=BackgroundTask(response.aclose),
    )
    out.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in kept]
    return out


async def _relay(response: httpx.Response, service: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        log.warning("proxy.stream_broken", service=service, error=type(exc).__name__)
