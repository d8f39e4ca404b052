"""Run every benchmark under bench/ (or the ones named): python -m bench [workers matching.throughput ...]."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each bench/<name>/__main__.py as `python -m bench.<name>`; report which failed."""
    available = sorted(p.parent.name for p in HERE.glob("*/__main__.py"))
    # Benches that live beside another package's (bench/matching/throughput.py runs as matching.throughput).
    available += sorted(f"{p.parent.name}.{p.stem}" for p in HERE.glob("*/throughput.py"))
    # The chaos drill kills processes for a quarter of an hour and the end-to-end run loads 100,000 workers
    # into a whole stack: they run only when named (make chaos, make bench-e2e).
    chosen = sys.argv[1:] or [name for name in available if name not in ("chaos", "e2e")]
    unknown = [name for name in chosen if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    failed = []
    for name in chosen:
        print(f"=== bench.{name}", flush=True)
        rc = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent)
        if rc:
            failed.append(name)
    print(f"benchmarks finished; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
