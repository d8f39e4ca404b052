"""`make demo` works: scripts/demo.py, scaled down, against the running stack through the public API only.

Named to run last in tests/e2e: the demo's migrants may be proposed for jobs anywhere."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.harness import ROOT, Stack

pytestmark = pytest.mark.e2e


def test_demo_builds_a_site_and_prints_matches_outbox_and_stats(stack: Stack) -> None:
    stack.require("jobs", "workers", "matching", "notifications")
    env = {**stack.env, "GATEWAY_DATABASE_URL": stack.dbs["gateway"], "ANJU_GATEWAY_URL": stack.gateway}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--households", "25"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    for heading in ("Proposed matches", "SMS outbox", "Site statistics now"):
        assert heading in out, out[-3000:]
    assert "缝纫工" in out and "proposals" in out
    assert "is now employed" in out, out[-3000:]
    assert "follow-up recorded by phone: on_job" in out, out[-3000:]
