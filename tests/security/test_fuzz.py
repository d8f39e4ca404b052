"""The schemathesis CLI against a stack of this module's own, bounded: every check, a few examples per
operation, as the administrator, office staff and an employer key. It fails on any server error, any
response that does not match the document (status, content type, headers, schema), any 4xx that is not a
problem+json document naming its status (tests/security/fuzz_hooks.py), ignored auth, and on engine errors.

The full run (≥ 100 examples per operation) is `python -m tests.security.fuzz`; see docs/security-fuzzing.md.
Schemathesis creates, changes and deletes objects through response-data reuse, so this module starts its
own stack instead of sharing tests/e2e's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from anju_common.testing import Infra

from tests.e2e.harness import Stack, start_stack
from tests.security.fuzz import (
    PRINCIPALS,
    STACK_ENV,
    RunResult,
    lost_credentials,
    principals,
    run_schemathesis,
)

# About 2 minutes on an idle 2-core machine; the stack's start alone can take minutes under heavy load.
pytestmark = [pytest.mark.e2e, pytest.mark.standalone, pytest.mark.timeout(900)]
EXAMPLES = int(os.environ.get("ANJU_FUZZ_EXAMPLES", "10"))


@pytest.fixture(scope="module")
def fuzz_stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack that only this module uses."""
    stack = start_stack(infra, tmp_path_factory.mktemp("fuzz-stack"), **STACK_ENV)
    try:
        yield stack
    finally:
        stack.stop()


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    fuzz_stack: Stack, tmp_path: Path
) -> None:
    fuzz_stack.require("jobs", "workers", "matching", "notifications")
    people = principals(fuzz_stack)
    protect = sorted({i for p in people.values() for i in p.protect})
    for person in people.values():
        person.protect = protect  # the runs go side by side: none may revoke another's credentials

    def run(name: str) -> RunResult:
        # One worker each: the three runs go side by side with the rest of the suite (make test's shards).
        return run_schemathesis(fuzz_stack, people[name], examples=EXAMPLES, workdir=tmp_path, workers=1)

    with ThreadPoolExecutor(len(PRINCIPALS)) as pool:
        results = list(pool.map(run, PRINCIPALS))
    fuzz_stack.check_alive()
    problems = [f"{r.principal}: {p}" for r in results for p in r.broken()]
    problems += lost_credentials(fuzz_stack, list(people.values()))
    details = "\n\n".join(r.gating_details() for r in results if r.broken())
    assert not problems, "\n".join(problems) + "\n\n" + details
    for result in results:
        summary = result.summary()
        assert (summary["operations_tested"] or 0) >= 40, summary
        assert (summary["test_cases"] or 0) >= 40 * EXAMPLES // 2, summary
