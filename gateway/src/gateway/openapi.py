"""One OpenAPI document for the whole public API, merged from every service's own document."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from typing import Any

import httpx
from anju_common.logs import get_logger
from anju_common.openapi import (
    PROBLEM_SCHEMA,
    decorate_operation,
    drop_unused_validation_schemas,
    errors_of,
)
from anju_common.principal import PRINCIPAL_HEADER, Principal, sign_principal

from gateway.deps import admin_principal, current_principal, limit_ip
from gateway.proxy import PUBLIC
from gateway.runtime import GatewayRuntime

log = get_logger(__name__)
REF = "#/components/schemas/"
PUBLIC_OWN = {"/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/logout"}
SECURITY_SCHEMES: dict[str, Any] = {
    "StaffBearer": {
        "type": "oauth2",
        "description": "Administrators and office staff: OAuth2 password flow, short-lived JWT access token.",
        "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
    },
    "EmployerApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "Workshops and enterprises: a key created for their employer id (shown once).",
    },
}
errors_of(current_principal, 401, 403, 429)
errors_of(admin_principal, 403)
errors_of(limit_ip, 429)
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _rewrite_refs(node: Any, mapping: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF):
                name = value[len(REF) :]
                out[key] = REF + mapping.get(name, name)
            else:
                out[key] = _rewrite_refs(value, mapping)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, mapping) for v in node]
    return node


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def template_pattern(path: str) -> re.Pattern[str]:
    """A regex that matches concrete paths of an OpenAPI path template."""
    parts = re.split(r"(\{[^}/]+\})", path)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$")


def merge(own: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge the gateway's own document with the services' ones: /api/v1 paths only, clashes renamed."""
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    tags: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for source, doc in [("gateway", own), *services.items()]:
        comp = copy.deepcopy((doc.get("components") or {}).get("schemas") or {})
        mapping: dict[str, str] = {}
        for name, schema in comp.items():
            if name in schemas and _canonical(schemas[name]) != _canonical(schema):
                mapping[name] = f"{source.capitalize()}{name}"
        for name, schema in comp.items():
            target = mapping.get(name, name)
            schemas[target] = _rewrite_refs(schema, mapping)
        for tag in doc.get("tags") or []:
            tags.setdefault(tag["name"], tag)
        for path, item in (doc.get("paths") or {}).items():
            if not path.startswith("/api/v1/") or path.startswith("/internal"):
                continue
            item = _rewrite_refs(copy.deepcopy(item), mapping)
            merged = paths.setdefault(path, {})
            for method, op in item.items():
                if method not in _METHODS:
                    merged[method] = op
                    continue
                if method in merged:
                    log.warning("openapi.duplicate_operation", path=path, method=method, service=source)
                    continue
                _decorate(op, path, source, operation_ids)
                merged[method] = op
    document_schemas = {"paths": paths, "components": {"schemas": schemas}}
    drop_unused_validation_schemas(document_schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Anju public API",
            "version": "1",
            "description": (
                "Employment matching for relocation resettlement communities. Every route is served "
                "through the gateway: office staff log in with POST /api/v1/auth/token (OAuth2 password "
                "flow) and send "
                "`Authorization: Bearer <token>`; employers send `X-API-Key`. Errors are RFC 9457 "
                "problem+json documents that name the invalid field."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": SECURITY_SCHEMES},
        "security": [{"StaffBearer": []}, {"EmployerApiKey": []}],
        "tags": list(tags.values()),
    }


def _decorate(op: dict[str, Any], path: str, source: str, operation_ids: set[str]) -> None:
    op["x-anju-service"] = source
    op_id = op.get("operationId")
    if op_id:
        if op_id in operation_ids:
            op_id = f"{source}_{op_id}"
            op["operationId"] = op_id
        operation_ids.add(op_id)
    public = path in PUBLIC_OWN or bool(PUBLIC.match(path))
    # What the gateway itself can answer on any route: an unsafe URL (400), bad credentials (401: public
    # routes check a password, refresh or callback token of their own), no route (404), its rate limits
    # (429), an owning service down or its circuit open (503); the body limit (413) where there is a body;
    # a principal not allowed (403) where the route is not public.
    statuses = {400, 401, 404, 429, 503}
    if "requestBody" in op:
        statuses.add(413)
    if public:
        op["security"] = []
    else:
        statuses.add(403)
    decorate_operation(op, statuses)


async def _fetch(rt: GatewayRuntime, name: str, base: str) -> dict[str, Any] | None:
    try:
        # Services answer nothing, their documents included, without a signed caller.
        token = sign_principal(Principal(sub="gateway", role="service"), rt.settings.internal_token_secret)
        response = await rt.http.get(
            base.rstrip("/") + "/openapi.json", headers={PRINCIPAL_HEADER: token}, timeout=3.0
        )
        response.raise_for_status()
        doc: dict[str, Any] = response.json()
        return doc
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("openapi.fetch_failed", service=name, error=type(exc).__name__)
        return None


async def aggregated(rt: GatewayRuntime, own: dict[str, Any]) -> dict[str, Any]:
    """The merged document, rebuilt when stale (sooner while a service was missing)."""
    cache = rt.openapi
    max_age = rt.settings.openapi_cache_seconds if cache.complete else 3.0
    if cache.document is not None and time.monotonic() - cache.built_at < max_age:
        return cache.document
    urls = rt.settings.service_urls()
    fetched = await asyncio.gather(*(_fetch(rt, name, url) for name, url in urls.items()))
    services = {name: doc for name, doc in zip(urls, fetched, strict=True) if doc is not None}
    document = merge(own, services)
    document["x-anju-services"] = {name: ("ok" if name in services else "unavailable") for name in urls}
    cache.document = document
    cache.built_at = time.monotonic()
    cache.complete = len(services) == len(urls)
    rt.dynamic_routes = {
        name: [template_pattern(p) for p in (doc.get("paths") or {}) if p.startswith("/api/v1/")]
        for name, doc in services.items()
    }
    return document


def allowed_methods(document: dict[str, Any], path: str) -> list[str] | None:
    """The methods the document declares for a concrete path (HEAD with GET), or None if no path matches."""
    for template, item in (document.get("paths") or {}).items():
        if template_pattern(template).match(path):
            methods = [m.upper() for m in item if m in _METHODS]
            if "GET" in methods and "HEAD" not in methods:
                methods.append("HEAD")
            return sorted(methods)
    return None
