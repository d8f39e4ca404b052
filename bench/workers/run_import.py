"""Child process of the benchmark: import one file through the HTTP API and report time, CPU and peak RSS.

The 2-core machine runs this process, the validation helpers and PostgreSQL at once, so the CPU seconds of
all three are reported (the helpers' and the database backend's read from /proc). With `--profile PATH`
the import call (in the request's thread) runs under cProfile with a per-thread CPU clock.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anju_common import collector
from fastapi.testclient import TestClient

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _measured(call: Callable[..., Any], probe: dict[str, float], profile: Path | None) -> Callable[..., Any]:
    """The import function wrapped: PostgreSQL backend CPU around it, cProfile inside when asked."""

    def wrapper(session: Any, *args: Any, **kwargs: Any) -> Any:
        backend = int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        before = process_cpu(backend)
        profiler = cProfile.Profile(time.thread_time) if profile else None
        try:
            if profiler is None:
                return call(session, *args, **kwargs)
            return profiler.runcall(call, session, *args, **kwargs)
        finally:
            # The commit after the route returns is the database's too; sampled again after the response.
            probe["backend_pid"] = backend
            probe["backend_before"] = before
            if profiler is not None and profile is not None:
                profiler.dump_stats(str(profile))

    return wrapper


_GC: dict[str, float] = {"seconds": 0.0, "start": 0.0}


def _gc_timer(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _GC["start"] = time.thread_time()
    else:
        _GC["seconds"] += time.thread_time() - _GC["start"]


def main(path: Path, profile: Path | None) -> None:
    """Create a site, upload the file, print a JSON line with the outcome."""
    collector.tune()  # as the service's command line does (anju_common.cli)
    from workers import bulk, routes
    from workers.main import make_app

    probe: dict[str, float] = {}
    # The route calls the name it imported from bulk; wrap that one.
    routes.import_workers = _measured(bulk.import_workers, probe, profile)  # type: ignore[attr-defined]
    with TestClient(make_app()) as client:
        site = client.post(
            "/api/v1/sites",
            json={
                "name": "基准安置点",
                "county": "惠水县",
                "province": "贵州省",
                "lat": 26.13,
                "lon": 106.66,
            },
        ).json()["id"]
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu_before = time.process_time()
        gc.callbacks.append(_gc_timer)
        started = time.perf_counter()
        with path.open("rb") as fh:
            r = client.post("/api/v1/workers/import", files={"file": (path.name, fh)}, data={"site_id": site})
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        gc.callbacks.remove(_gc_timer)
        backend_cpu = process_cpu(int(probe["backend_pid"])) - probe["backend_before"]
        pool = bulk._POOL
        helpers = [p.pid for p in (pool._processes or {}).values()] if pool is not None else []
        helper_cpu = sum(process_cpu(pid) for pid in helpers if pid)
        report = r.json()
    print(
        json.dumps(
            {
                "status": r.status_code,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "gc_seconds": round(_GC["seconds"], 2),
                "helper_cpu_seconds": round(helper_cpu, 2),
                "postgres_cpu_seconds": round(backend_cpu, 2),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "rss_before_mb": round(rss_before / 1024, 1),
                "rows": report.get("rows"),
                "created": report.get("created"),
                "rejected": report.get("rejected"),
                "households_created": report.get("households_created"),
            }
        )
    )
    if profile is not None:
        pstats.Stats(str(profile)).sort_stats("tottime").print_stats(45)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--profile", type=Path, default=None, help="cProfile output of the import call")
    args = parser.parse_args()
    main(args.path, args.profile)
