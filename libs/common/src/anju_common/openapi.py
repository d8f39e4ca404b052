"""OpenAPI that tells the truth: every operation documents the problem+json errors it can send.

FastAPI documents a 422 `HTTPValidationError` that no Anju service sends and none of the other errors. This
module rewrites each operation of an app's document from what its route declares: path parameters (404),
query and header parameters and bodies (422), a principal dependency (401/403), If-Match (400/409/412/428),
a cursor (400), writes (409), bodies (413, 415 for uploads), all as `application/problem+json` with the
`Problem` schema. Server-sent-event routes document `text/event-stream`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, routing
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi

from anju_common.problems import _TITLES, PROBLEM_JSON

REF = "#/components/schemas/"
PROBLEM_REF = {"$ref": f"{REF}Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each invalid field.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "urn:anju:problem:validation-error"},
        "title": {"type": "string", "example": "Validation failed"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "example": 422},
        "detail": {"type": "string", "example": "body.wage_min: Input should be greater than or equal to 0"},
        "instance": {"type": "string", "example": "/api/v1/jobs"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "example": "body.location.lat"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
DESCRIPTIONS = {
    400: "Malformed request (a bad cursor, If-Match or URL)",
    401: "Missing, expired or invalid credentials",
    403: "Authenticated but not allowed",
    404: "Not found, or outside the caller's scope",
    409: "Conflicts with the current state (a duplicate, a stale version, an illegal transition)",
    412: "If-Match names a version that is no longer current",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Validation failed: `errors` names each invalid field",
    428: "Send If-Match or the version field",
    429: "Rate limit exceeded; see Retry-After",
    503: "A service it depends on is unavailable; see Retry-After",
}
SSE_MEDIA_TYPE = "text/event-stream"
# Header formats the services enforce (anju_common.errors.parse_if_match; the feed's Last-Event-ID).
HEADER_PATTERNS = {"if-match": r'^(W/)?"[0-9]+"$', "last-event-id": r"^[0-9]+$"}
_METHODS = ("get", "put", "post", "delete", "patch")
_WRITES = {"post", "put", "patch", "delete"}
# Dependencies that can refuse a request, with the statuses they send (the kit registers its own below;
# a service registers others with `errors_of`).
_DEPENDENCY_ERRORS: dict[Callable[..., Any], tuple[int, ...]] = {}


def errors_of(dependency: Callable[..., Any], *statuses: int) -> None:
    """Declare the error statuses a dependency can answer with (documented on every route using it)."""
    _DEPENDENCY_ERRORS[dependency] = tuple(sorted({*_DEPENDENCY_ERRORS.get(dependency, ()), *statuses}))


def problem(status: int, description: str | None = None) -> dict[str, Any]:
    """An OpenAPI response object for a problem+json error."""
    return {
        "description": description or DESCRIPTIONS.get(status) or _TITLES.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": dict(PROBLEM_REF)}},
    }


def _walk(dependant: Dependant) -> Iterable[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def route_errors(route: Any) -> set[int]:
    """The error statuses a route can send, from its parameters, body, dependencies and method."""
    statuses: set[int] = set()
    methods = {m.lower() for m in route.methods or ()}
    for dep in _walk(route.dependant):
        if dep.call is not None:
            statuses |= set(_DEPENDENCY_ERRORS.get(dep.call, ()))
        if dep.path_params:
            statuses |= {404, 422}
        if dep.query_params or dep.header_params or dep.cookie_params or dep.body_params:
            statuses.add(422)
        names = {p.alias.lower() for p in [*dep.query_params, *dep.header_params]}
        if "cursor" in names or "last-event-id" in names:
            statuses.add(400)
        if "if-match" in names:
            statuses |= {400, 409, 412, 428}
        if dep.body_params:
            statuses.add(413)
            if any(_is_upload(p) for p in dep.body_params):
                statuses.add(415)
    if methods & _WRITES:
        statuses.add(409)
    return statuses


def _is_upload(param: Any) -> bool:
    info = getattr(param, "field_info", None)
    return type(info).__name__ in ("File", "Form")


def _is_problem_placeholder(response: dict[str, Any]) -> bool:
    """FastAPI's default 422, or an error response declared without a schema of its own."""
    content = response.get("content") or {}
    if not content:
        return True
    schemas = [c.get("schema") or {} for c in content.values()]
    return all(s in ({}, {"$ref": f"{REF}HTTPValidationError"}) for s in schemas)


def decorate_operation(op: dict[str, Any], statuses: Iterable[int]) -> None:
    """Add problem+json responses for these statuses; FastAPI's 422 and schemaless errors become Problem."""
    responses: dict[str, Any] = op.setdefault("responses", {})
    for code in sorted({*statuses, *(int(c) for c in responses if c.isdigit() and int(c) >= 400)}):
        key = str(code)
        current = responses.get(key)
        if current is None or _is_problem_placeholder(current):
            description = (current or {}).get("description")
            if description in (None, "Validation Error", "Successful Response"):
                description = None
            responses[key] = problem(code, description)
        else:
            for media in list(current.get("content") or {}):
                if media == "application/json":
                    current["content"][PROBLEM_JSON] = current["content"].pop(media)
    op["responses"] = dict(sorted(responses.items()))


def _fix_parameters(op: dict[str, Any]) -> None:
    for param in op.get("parameters") or []:
        pattern = HEADER_PATTERNS.get(str(param.get("name", "")).lower())
        if param.get("in") == "header" and pattern:
            schema = param.setdefault("schema", {})
            for variant in schema.get("anyOf") or [schema]:
                if variant.get("type") == "string":
                    variant.setdefault("pattern", pattern)


def _fix_success(op: dict[str, Any], route: Any) -> None:
    response_class = route.response_class
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    media = getattr(response_class, "media_type", None)
    # sse-starlette sets its media type per instance, not on the class.
    if media == SSE_MEDIA_TYPE or getattr(response_class, "__name__", "") == "EventSourceResponse":
        ok = op["responses"].setdefault(str(route.status_code or 200), {"description": "Event stream"})
        ok["content"] = {SSE_MEDIA_TYPE: {"schema": {"type": "string"}}}
    for code, response in op["responses"].items():
        if code in ("204", "304"):
            response.pop("content", None)
        for body in (response.get("content") or {}).values():
            if "schema" not in body and not str(code).startswith(("4", "5")):
                body["schema"] = {"type": "string", "format": "binary"}


def drop_unused_validation_schemas(document: dict[str, Any]) -> None:
    """Remove FastAPI's HTTPValidationError/ValidationError once nothing refers to them."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas:
            rest = {k: v for k, v in schemas.items() if k != name}
            if f'"{REF}{name}"' not in json.dumps([document.get("paths"), rest]):
                del schemas[name]


def truthful_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's document with every operation's errors, success codes and media types filled in."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    paths = document.get("paths") or {}
    for route in routing.iter_route_contexts(app.routes):
        if not isinstance(route.original_route, routing.APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format) or {}
        for method in route.methods or ():
            op = item.get(method.lower())
            if op is None:
                continue
            decorate_operation(op, route_errors(route))
            _fix_parameters(op)
            _fix_success(op, route)
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    drop_unused_validation_schemas(document)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve `truthful_openapi` (built once, on first request) as the app's /openapi.json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = truthful_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
