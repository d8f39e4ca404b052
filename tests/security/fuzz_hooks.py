"""Schemathesis hooks of the fuzz runner (loaded through SCHEMATHESIS_HOOKS by tests/security/fuzz.py)."""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis

# The principal's own user id and API key ids: a run must not deactivate, re-password or revoke the very
# credentials it runs with (it would test nothing but 401 afterwards).
PROTECTED = {p for p in os.environ.get("ANJU_FUZZ_PROTECT", "").split(",") if p}
WRITES = {"PATCH", "PUT", "DELETE", "POST"}


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    """Drop writes aimed at the running principal's own user or key."""
    if case.method.upper() not in WRITES or not PROTECTED:
        return True
    values = {str(v) for v in (case.path_parameters or {}).values()}
    return not (values & PROTECTED)


def _header(response: Any, name: str) -> str:
    for key, value in (response.headers or {}).items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return ""


@schemathesis.check
def problem_details(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx/5xx is a problem+json document whose status is the response's and whose detail says why."""
    if response.status_code < 400:
        return
    where = f"{case.method.upper()} {case.operation.path} -> {response.status_code}"
    content_type = _header(response, "content-type")
    assert content_type.startswith("application/problem+json"), f"{where}: content type {content_type!r}"
    body = json.loads(response.content)
    assert isinstance(body, dict), f"{where}: not an object"
    assert body.get("status") == response.status_code, f"{where}: status {body.get('status')!r} in the body"
    assert isinstance(body.get("detail"), str) and body["detail"], f"{where}: no detail"
