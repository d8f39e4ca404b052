"""Schema-driven fuzzing of the gateway's aggregated OpenAPI with schemathesis (bounded): no 5xx, and every
4xx is a problem+json document that says what is wrong. Valid and invalid inputs both, per operation.

The cases are drawn with hypothesis inside one test (schemathesis' pytest loader does not run under this
pytest version), so a failure lists every operation that broke, not only the first."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.e2e.harness import Stack, admin_headers

pytestmark = pytest.mark.e2e
MAX_EXAMPLES = int(os.environ.get("ANJU_FUZZ_EXAMPLES", "5"))
# The SSE stream never ends by design, and fuzzing the login form would only lock accounts.
SKIP = re.compile(r"(/stream$|^/api/v1/auth/token$)")


def _check(case: Any, stack: Stack, headers: dict[str, str]) -> None:
    response = case.call(base_url=stack.gateway, headers=headers, timeout=30)
    raw = response.headers.get("content-type") or [""]
    content_type = raw[0] if isinstance(raw, list) else str(raw)
    body_text = response.content[:300].decode("utf-8", "replace")
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {body_text}"
    assert response.status_code < 500, where
    if 400 <= response.status_code < 500:
        assert content_type.startswith("application/problem+json"), where
        body = response.json()
        assert body.get("status") == response.status_code and body.get("detail"), where


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_server_errors_and_problem_json_for_any_input(stack: Stack, mode: GenerationMode) -> None:
    stack.require("jobs", "workers", "matching", "notifications")
    headers = admin_headers(stack)
    schema = schemathesis.openapi.from_url(f"{stack.gateway}/openapi.json")
    failures: list[str] = []
    fuzzed = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if SKIP.search(operation.path):
            continue
        fuzzed += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            _check(case, stack, headers)

        try:
            run()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
        except Exception as exc:  # an operation hypothesis cannot generate for is reported, not fatal
            if "Unsatisfiable" not in type(exc).__name__:
                failures.append(
                    f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {exc}"[:300]
                )
    assert fuzzed >= 40, f"only {fuzzed} operations in the document"
    stack.check_alive()
    assert not failures, "\n".join(failures)
