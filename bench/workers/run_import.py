"""Child process of the benchmark: import one file through the HTTP API and report time and peak RSS."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient


def main(path: Path) -> None:
    """Create a site, upload the file, print a JSON line with the outcome."""
    from workers.main import make_app

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
        started = time.perf_counter()
        with path.open("rb") as fh:
            r = client.post("/api/v1/workers/import", files={"file": (path.name, fh)}, data={"site_id": site})
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        report = r.json()
    print(
        json.dumps(
            {
                "status": r.status_code,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
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


if __name__ == "__main__":
    main(Path(sys.argv[1]))
