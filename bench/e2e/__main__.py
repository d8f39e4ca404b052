"""`python -m bench.e2e [--workers N] [--rate R] [--duration S] ...`, or `python -m bench e2e`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.chaos.drill import DATA
from bench.common.summary import run_and_report
from bench.e2e.run import Options, run


def parse(argv: list[str]) -> Options:
    """Options from the command line."""
    d = Options()
    p = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__)
    p.add_argument("--workers", type=int, default=d.workers, help="workers imported before posting")
    p.add_argument("--rate", type=float, default=d.rate, help="postings per second (open loop)")
    p.add_argument("--duration", type=float, default=d.duration, help="seconds of measured posting")
    p.add_argument("--warmup", type=float, default=d.warmup, help="seconds of posting before, not measured")
    p.add_argument("--headcount", type=int, default=d.headcount, help="seats per job (3 proposals a seat)")
    p.add_argument("--notifications-processes", type=int, default=d.notifications_processes)
    p.add_argument("--matching-processes", type=int, default=d.matching_processes)
    p.add_argument("--clients", type=int, default=d.clients, help="HTTP connection pools of the poster")
    p.add_argument("--import-rows", type=int, default=d.import_rows, help="rows per import upload")
    p.add_argument("--drain-timeout", type=float, default=d.drain_timeout, help="seconds after posting")
    p.add_argument(
        "--setup-timeout", type=float, default=d.setup_timeout, help="for matching to read workers"
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (the workers' numbers)")
    p.add_argument("--workdir", type=Path, default=None, help="logs (default bench/data/e2e/<time>)")
    a = p.parse_args(argv)
    if a.workers < 1 or a.rate <= 0 or a.duration <= 0 or a.warmup < 0 or a.headcount < 1:
        p.error("--workers ≥ 1, --rate > 0, --duration > 0, --warmup ≥ 0 and --headcount ≥ 1, please")
    if a.notifications_processes < 1 or a.matching_processes < 1 or a.clients < 1 or a.import_rows < 1:
        p.error("--notifications-processes, --matching-processes, --clients and --import-rows ≥ 1, please")
    return Options(
        workers=a.workers,
        rate=a.rate,
        duration=a.duration,
        warmup=a.warmup,
        headcount=a.headcount,
        notifications_processes=a.notifications_processes,
        matching_processes=a.matching_processes,
        clients=a.clients,
        import_rows=a.import_rows,
        drain_timeout=a.drain_timeout,
        setup_timeout=a.setup_timeout,
        seed=a.seed,
        workdir=a.workdir,
    )


def main() -> int:
    """Run, print the JSON summary (also appended to bench/data/e2e-results.jsonl); 1 when p99 ≥ 1 s."""
    return run_and_report(lambda: run(parse(sys.argv[1:])), DATA / "e2e-results.jsonl")


if __name__ == "__main__":
    sys.exit(main())
