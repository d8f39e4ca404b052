"""Starting a whole stack for a bench, on a machine loaded enough to miss the harness's start-up times."""

from __future__ import annotations

import subprocess
from pathlib import Path

from anju_common.testing import Infra

from tests.e2e.harness import Stack, start_replicated_stack


def start(
    infra: Infra, workdir: Path, label: str, replicas: dict[str, int] | None = None, **extra_env: str
) -> Stack:
    """The harness's stack (with replicas of some services), tried three times in workdir/stack-<n>."""
    for attempt in (1, 2, 3):
        try:
            return start_replicated_stack(infra, workdir / f"stack-{attempt}", replicas or {}, **extra_env)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            # The harness gives each start-up step a fixed time (create-user 120 s), which a loaded
            # 2-core machine sometimes misses; the harness has stopped what it started.
            if attempt == 3:
                raise
            print(f"{label}: the stack did not start ({type(exc).__name__}); again", flush=True)
    raise AssertionError("unreachable")
