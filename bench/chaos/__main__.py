"""`python -m bench.chaos [--notifications N] [--kills K] [--brokers 1|3] ...`, or `make chaos`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.chaos.drill import DATA, Options, run
from bench.common.summary import run_and_report


def parse(argv: list[str]) -> Options:
    """Options from the command line."""
    d = Options()
    p = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    p.add_argument("--notifications", type=int, default=d.notifications, help="SMS to consenting workers")
    p.add_argument("--kills", type=int, default=d.kills, help="SIGKILLs in all (services and broker)")
    p.add_argument("--brokers", type=int, choices=(1, 3), default=d.brokers, help="private brokers")
    p.add_argument("--gap", type=float, default=d.gap, help="seconds from a recovery to the next kill")
    p.add_argument("--rate", type=float, default=None, help="jobs/s (default: posting lasts as the kills)")
    p.add_argument("--headcount", type=int, default=d.headcount, help="seats per job (3 proposals a seat)")
    p.add_argument("--no-consent", type=float, default=d.no_consent_share, help="share without SMS consent")
    p.add_argument("--seed", type=int, default=None, help="random seed (kill order, consent)")
    p.add_argument("--drain-timeout", type=float, default=d.drain_timeout, help="seconds to wait at the end")
    p.add_argument("--workdir", type=Path, default=None, help="logs (default bench/data/chaos/<time>)")
    a = p.parse_args(argv)
    if a.notifications < 1 or a.kills < 0 or a.gap < 0 or a.headcount < 1:
        p.error("--notifications ≥ 1, --kills ≥ 0, --gap ≥ 0 and --headcount ≥ 1, please")
    if (a.rate is not None and a.rate <= 0) or not 0 <= a.no_consent < 1:
        p.error("--rate > 0 and 0 ≤ --no-consent < 1, please")
    return Options(
        notifications=a.notifications,
        brokers=a.brokers,
        kills=a.kills,
        gap=a.gap,
        rate=a.rate,
        headcount=a.headcount,
        no_consent_share=a.no_consent,
        seed=a.seed,
        drain_timeout=a.drain_timeout,
        workdir=a.workdir,
    )


def main() -> int:
    """Run the drill, print its JSON summary (also appended to bench/data/chaos-results.jsonl)."""
    return run_and_report(lambda: run(parse(sys.argv[1:])), DATA / "chaos-results.jsonl")


if __name__ == "__main__":
    sys.exit(main())
