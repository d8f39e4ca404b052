"""Jobs per second through matching's real consumer (python -m bench.matching.throughput --help).

A fresh PostgreSQL database with the matching schema gets N generated workers (written straight into the
read model, as a rebuild leaves it); M `job.posted` events go to Kafka under a topic prefix of this run's
own; then the matching runtime starts in this process (the same `build_runtime` as `serve`: state loaded
from the tables, consumer, proposer, outbox relay, follower) and the clock runs until the consumer's inbox
holds all M jobs and no `pending_proposal` row is left (step one stores a job with its inbox row and asks
for its proposals; step two, the proposer, commits them: matching/proposer.py).

With --registrations K the events are instead K new workers' `worker.registered`, with the M jobs written
into the read model beforehand (each new worker is ranked against them, proposed jobs and maybe a course).

Reported: events/s (named jobs_per_s) between the first and the last one committed, proposals/s, the
process's CPU seconds per event (wall time is skewed on a shared machine), SQL statements and commits
per event, the load average.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anju_common.events import JobPosted, WorkerRegistered
from anju_common.kafka import ConsumerRunner, Producer
from anju_common.migrate import upgrade
from anju_common.outbox import event_headers
from anju_common.testing import Infra
from anju_common.topics import ensure_topics
from sqlalchemy import Engine, event, func, insert, select

from bench.matching import gen

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "services" / "matching" / "migrations"


def load_workers(engine: Engine, n: int, seed: int) -> list[gen.Site]:
    """Write n generated workers and their households into the read model; returns the sites."""
    from matching.models import HouseholdView, WorkerView

    rnd = random.Random(seed)
    sites = gen.sites(rnd)
    workers, _ = gen.workers(rnd, n, sites)
    now = datetime.now(UTC)
    households = {
        w.household.household_id: {
            "household_id": w.household.household_id,
            "version": w.household.version,
            "site_id": w.household.site_id,
            "zero_employment": w.household.zero_employment,
            "zero_employment_since": w.household.zero_employment_since,
            # the office was alerted for these spells already, as in a running system: the deadline
            # checker's one-off first pass would otherwise land in the measured seconds at random
            "alerted_since": w.household.zero_employment_since,
            "monitoring_category": w.household.monitoring_category.value,
            "updated_at": now,
        }
        for w in workers
    }
    rows = [
        {
            "worker_id": w.worker_id,
            "version": w.version,
            "household_id": w.household_id,
            "site_id": w.site_id,
            "active": w.active,
            "data": w.model_dump(mode="json"),
            "updated_at": now,
        }
        for w in workers
    ]
    with engine.begin() as conn:
        conn.execute(insert(HouseholdView), list(households.values()))
        for i in range(0, len(rows), 2000):
            conn.execute(insert(WorkerView), rows[i : i + 2000])
    return sites


def load_jobs(engine: Engine, jobs: list[Any]) -> None:
    """Write open jobs straight into the read model."""
    from matching.models import JobView

    now = datetime.now(UTC)
    rows = [
        {
            "job_id": j.job_id,
            "version": j.version,
            "employer_id": j.employer_id,
            "site_id": j.location.site_id,
            "status": j.status,
            "data": j.model_dump(mode="json"),
            "updated_at": now,
        }
        for j in jobs
    ]
    with engine.begin() as conn:
        conn.execute(insert(JobView), rows)


def count_statements(engine: Engine) -> dict[str, int]:
    """Count SQL statements and commits on an engine from now on."""
    counts = {"statements": 0, "commits": 0}
    lock = threading.Lock()

    def statement(*_: Any) -> None:
        with lock:
            counts["statements"] += 1

    def commit(*_: Any) -> None:
        with lock:
            counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    return counts


def profile_threads(top: int) -> None:
    """Profile the consumer and the proposer threads (cProfile follows one thread each) and print each
    one's top functions at the end."""
    from matching.proposer import Proposer

    for cls in (ConsumerRunner, Proposer):
        _profile(cls, top)


def _profile(cls: Any, top: int) -> None:
    original = cls.run

    def run(self: Any) -> None:
        prof = cProfile.Profile(time.thread_time)  # CPU time of the thread, not wall
        prof.enable()
        try:
            original(self)
        finally:
            prof.disable()
            print(f"===== {cls.__name__} =====")
            pstats.Stats(prof).sort_stats("cumulative").print_stats(top)

    cls.run = run


def _assigned(runner: ConsumerRunner) -> bool:
    consumer = runner._consumer
    return consumer is not None and bool(consumer.assignment())


def run(n_workers: int, n_jobs: int, seed: int, timeout: float, registrations: int = 0) -> dict[str, Any]:
    """One measured run; returns the figures."""
    infra = Infra()
    url = infra.create_database("matching")
    try:
        upgrade(MIGRATIONS, url)
        ensure_topics(infra.kafka_bootstrap, infra.topic_prefix, partitions=3)
        os.environ.update(
            infra.env(
                MATCHING_DATABASE_URL=url,
                MATCHING_ZERO_CHECK_SECONDS="3600",
                ANJU_LOG_JSON="true",
                ANJU_LOG_LEVEL="WARNING",
            )
        )
        from matching.config import get_settings
        from matching.main import build_runtime
        from matching.models import Match, PendingProposal, event_tables
        from sqlalchemy import create_engine

        get_settings.cache_clear()
        probe = create_engine(get_settings().sqlalchemy_url())
        t = time.perf_counter()
        sites = load_workers(probe, n_workers, seed)
        loaded_s = time.perf_counter() - t
        jobs, _ = gen.jobs(random.Random(seed + 1), n_jobs, sites)
        producer = Producer(infra.kafka_bootstrap)
        events: list[tuple[str, Any]]
        if registrations:
            load_jobs(probe, jobs)
            newcomers, _ = gen.workers(random.Random(seed + 2), registrations, sites)
            events = [("workers.events", WorkerRegistered.build(w, subject=w.worker_id)) for w in newcomers]
        else:
            events = [("jobs.events", JobPosted.build(j, subject=j.job_id)) for j in jobs]
        for topic, ev in events:
            producer.send(infra.topic(topic), ev.key(), ev.to_json(), event_headers(ev.type))
        producer.flush()
        producer.close()

        t = time.perf_counter()
        runtime = build_runtime()
        state_s = time.perf_counter() - t
        counts = count_statements(runtime.engine)
        runner = next(w for w in runtime.workers if isinstance(w, ConsumerRunner))
        inbox = event_tables.inbox
        runtime.start()
        done = 0
        try:
            # The clock starts when the consumer has its partitions (group joined) and stops when the
            # last job's proposals have committed.
            deadline = time.perf_counter() + timeout
            while not _assigned(runner) and time.perf_counter() < deadline:
                time.sleep(0.01)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            stmts0, commits0 = counts["statements"], counts["commits"]
            pending = 1
            while (done < len(events) or pending) and time.perf_counter() < deadline:
                time.sleep(0.05)
                with probe.connect() as conn:
                    done = conn.execute(select(func.count()).select_from(inbox)).scalar_one()
                    pending = conn.execute(select(func.count()).select_from(PendingProposal)).scalar_one()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            stmts, commits = counts["statements"] - stmts0, counts["commits"] - commits0
        finally:
            runtime.stop()
        with probe.connect() as conn:
            proposals = conn.execute(select(func.count()).select_from(Match)).scalar_one()
        probe.dispose()
        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} {os.cpu_count()} cores",
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "workers": n_workers,
            "jobs": n_jobs,
            "events": "worker.registered" if registrations else "job.posted",
            "jobs_done": done,
            "proposals": proposals,
            "proposals_per_job": round(proposals / max(done, 1), 1),
            "jobs_per_s": round(done / wall, 1),
            "proposals_per_s": round(proposals / wall, 1),
            "wall_s": round(wall, 2),
            "cpu_ms_per_job": round(1000 * cpu / max(done, 1), 2),
            "statements_per_job": round(stmts / max(done, 1), 1),
            "commits_per_job": round(commits / max(done, 1), 2),
            "load_workers_s": round(loaded_s, 1),
            "load_state_s": round(state_s, 1),
        }
    finally:
        infra.drop_databases()


def main() -> None:
    """Parse options, run, print the figures as JSON (and append them to --out)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=10_000)
    p.add_argument("--jobs", type=int, default=600)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--registrations", type=int, default=0, help="new workers' events instead of jobs'")
    p.add_argument("--profile", type=int, default=0, help="profile the consumer and proposer (top N)")
    a = p.parse_args()
    if a.profile:
        profile_threads(a.profile)
    print(f"uptime before: {os.getloadavg()}", flush=True)
    result = run(a.workers, a.jobs, a.seed, a.timeout, a.registrations)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if a.out:
        with a.out.open("a") as f:
            f.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
