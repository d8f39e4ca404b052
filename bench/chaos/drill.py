"""The chaos drill: jobs posted through the gateway while services and brokers are SIGKILLed, then counted at
the SMPP peer (see README.md)."""

from __future__ import annotations

import json
import math
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from anju_common.testing import Infra
from anju_common.topics import EVENT_PARTITIONS, ensure_topics

from bench.chaos.faults import Brokers, kill_plan
from bench.chaos.load import Poster, plan
from bench.chaos.tally import Proposal, Tally, tally
from bench.common.load import Roster, make_roster, set_up
from bench.common.stack import start
from tests.e2e import harness
from tests.e2e.harness import Stack, wait_ready

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "bench" / "data"
PROPOSALS_PER_SEAT = 3  # matching's default
# Seconds a killed process takes to answer again on this 2-core machine under load (35-55 s measured): the
# default posting rate spreads the jobs over the kills.
CYCLE_ESTIMATE = 40.0
WAITING = ("pending", "submitting", "in_doubt")


@dataclass
class Options:
    """What the drill does (the command line's options)."""

    notifications: int = 10_000
    brokers: int = 1
    kills: int = 21
    rate: float | None = None  # jobs/s; by default the posting lasts as long as the kills
    gap: float = 3.0  # seconds between one kill's recovery and the next kill
    headcount: int = 5
    no_consent_share: float = 0.1
    seed: int | None = None
    drain_timeout: float = 900.0
    workdir: Path | None = None


@dataclass
class Kill:
    """One SIGKILL and its recovery."""

    target: str
    at_s: float
    down_s: float
    ready_s: float = 0.0  # from the kill until it answered again
    error: str | None = None


@dataclass
class Killer:
    """SIGKILLs the planned targets one at a time, `gap` seconds after the last one came back (so the others
    are up while one is down), restarts each, and checks that nothing else died."""

    stack: Stack
    brokers: Brokers
    plan: list[str]
    gap: float
    rng: random.Random
    t0: float
    kills: list[Kill] = field(default_factory=list)
    collateral: list[str] = field(default_factory=list)  # processes found dead that were not killed
    done: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Work through the plan."""
        try:
            for target in self.plan:
                if self.stop.wait(self.gap):
                    return
                self._kill(target, round(self.rng.uniform(0.5, 3.0), 2))
                self._check_others(target)
        finally:
            self.done.set()

    def _kill(self, target: str, down: float) -> None:
        kill = Kill(target=target, at_s=round(time.monotonic() - self.t0, 1), down_s=down)
        started = time.monotonic()
        try:
            if target.startswith("broker"):
                node = int(target.rsplit("-", 1)[1])
                self.brokers.kill(node)
                time.sleep(down)
                self.brokers.revive(node)
            else:
                proc = self.stack.procs[target]
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(30)
                time.sleep(down)
                proc.restart()  # its stop() finds the process dead; it starts again with the same env
                wait_ready(proc, timeout=300)
        except Exception as exc:  # a failed restart is reported, and the drill misses its target
            kill.error = f"{type(exc).__name__}: {str(exc)[:500]}"
        kill.ready_s = round(time.monotonic() - started, 1)
        self.kills.append(kill)
        n = len(self.kills)
        print(
            f"chaos: kill {n}/{len(self.plan)} {target} at {kill.at_s} s, ready after {kill.ready_s} s",
            flush=True,
        )

    def _check_others(self, killed: str) -> None:
        """Restart (and count) a process that died while another one was down."""
        for name, proc in self.stack.procs.items():
            if name != killed and proc.popen.poll() is not None:
                self.collateral.append(name)
                print(f"chaos: {name} died without being killed; restarting it", flush=True)
                proc.restart()
                wait_ready(proc, timeout=300)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def query(stack: Stack, service: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on a service's database (the drill's counting, after the fact)."""
    with psycopg.connect(_libpq(stack.dbs[service]), connect_timeout=10) as conn:
        return list(conn.execute(sql).fetchall())


def progress(stack: Stack) -> dict[str, Any]:
    """Where the pipeline stands."""
    statuses = dict(
        query(stack, "notifications", "SELECT status, count(*) FROM notification GROUP BY status")
    )
    assert stack.smsc is not None
    return {
        "jobs_seen": query(stack, "matching", "SELECT count(*) FROM job_view")[0][0],
        "proposals": query(stack, "matching", "SELECT count(*) FROM match")[0][0],
        "rows": sum(statuses.values()),
        "waiting": sum(statuses.get(s, 0) for s in WAITING),
        "submits": len(stack.smsc.entries()),
        "statuses": statuses,
    }


def size(opts: Options) -> tuple[int, int]:
    """Jobs and workers for at least opts.notifications SMS to consenting workers (with 5 % to spare)."""
    per_job = opts.headcount * PROPOSALS_PER_SEAT
    jobs = math.ceil(opts.notifications / (per_job * (1 - opts.no_consent_share)) * 1.05)
    return jobs, plan(jobs)[1]


def _replicated(brokers: Brokers) -> None:
    """Make the harness create the run's topics with the cluster's replication (it asks for 1, which would
    leave every partition on one broker: a broker kill would then stop its partitions, not test failover)."""

    def ensure(
        bootstrap: str,
        prefix: str = "",
        partitions: int = EVENT_PARTITIONS,
        timeout: float = 60.0,
        *,
        replication_factor: int = 1,
        min_insync: int = 1,
    ) -> list[str]:
        return ensure_topics(
            bootstrap,
            prefix,
            partitions,
            max(timeout, 180.0),
            replication_factor=brokers.replication_factor,
            min_insync=brokers.min_insync,
        )

    setattr(harness, "ensure_topics", ensure)  # noqa: B010 (the harness imports it without re-exporting)


def _wait(what: str, check: Any, timeout: float, interval: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def count(stack: Stack, roster: Roster) -> tuple[Tally, dict[str, Any]]:
    """The final tally at the SMPP peer, and what the notifications service recorded."""
    assert stack.smsc is not None
    in_doubt_rows = query(
        stack, "notifications", "SELECT match_id, in_doubt_reason, status FROM notification WHERE in_doubt"
    )
    proposals = [
        Proposal(
            match_id=str(m),
            job_id=str(j),
            worker_id=str(w),
            wage_min=int(wage),
            phone=roster.phone(roster.ids[str(w)]) if str(w) in roster.ids else None,
            consent=roster.consent[roster.ids[str(w)]] if str(w) in roster.ids else False,
        )
        for m, j, w, wage in query(stack, "matching", "SELECT id, job_id, worker_id, wage_min FROM match")
    ]
    result = tally(proposals, stack.smsc.entries(), {str(r[0]) for r in in_doubt_rows})
    lost = set(result.lost[:20])
    detail = {
        "in_doubt_reasons": dict(Counter(str(r[1])[:60] for r in in_doubt_rows)),
        "in_doubt_final_status": dict(Counter(str(r[2]) for r in in_doubt_rows)),
        "lost_rows": [
            {"match_id": str(r[0]), "status": r[1], "reason": r[2]}
            for r in query(stack, "notifications", "SELECT match_id, status, status_reason FROM notification")
            if str(r[0]) in lost
        ],
        "jobs_stored": query(stack, "jobs", "SELECT count(*), count(DISTINCT wage_min) FROM job")[0],
        "proposals_per_job": dict(
            Counter(n for (n,) in query(stack, "matching", "SELECT count(*) FROM match GROUP BY job_id"))
        ),
    }
    return result, detail


def run(opts: Options) -> dict[str, Any]:
    """The whole drill; returns its JSON summary."""
    seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    started_at = datetime.now(UTC)
    t_start = time.monotonic()
    load_before = os.getloadavg()
    workdir = opts.workdir or DATA / "chaos" / started_at.strftime("%Y%m%dT%H%M%S")
    workdir.mkdir(parents=True, exist_ok=True)
    jobs, workers = size(opts)
    print(
        f"chaos: {jobs} jobs, {workers} workers, {opts.kills} kills, seed {seed}; logs in {workdir}",
        flush=True,
    )
    brokers = Brokers(workdir / "kafka", opts.brokers)
    infra = Infra()
    infra.kafka_bootstrap = brokers.bootstrap
    stack: Stack | None = None
    summary: dict[str, Any] = {}
    try:
        brokers.start()
        if brokers.count > 1:
            _replicated(brokers)
        stack = start(infra, workdir, "chaos", GATEWAY_ACCESS_TOKEN_MINUTES="240")
        ready_stack = stack
        roster = make_roster(workers, opts.no_consent_share, rng)
        world = set_up(stack, roster)
        _wait(
            "matching to read every worker",
            lambda: query(ready_stack, "matching", "SELECT count(*) FROM worker_view")[0][0] >= workers,
            timeout=900,
        )
        setup_s = time.monotonic() - t_start
        print(f"chaos: stack up and {workers} workers loaded in {setup_s:.0f} s; posting", flush=True)

        rate = opts.rate or jobs / max(opts.kills * (opts.gap + CYCLE_ESTIMATE), 60)
        poster = Poster(world, roster.sites, jobs, rate, opts.headcount)
        # With three brokers the plan says "broker"; which one dies is drawn at each kill.
        names = [*stack.procs, "broker"]
        plan = [
            t if t != "broker" else f"broker-{brokers.pick(rng)}" for t in kill_plan(names, opts.kills, rng)
        ]
        t0 = time.monotonic()
        killer = Killer(stack, brokers, plan, opts.gap, rng, t0)
        threads = [
            threading.Thread(target=poster.run, daemon=True),
            threading.Thread(target=killer.run, daemon=True),
        ]
        for th in threads:
            th.start()
        last: dict[str, Any] = {}
        stable = 0
        drained = False
        drain_deadline: float | None = None
        while True:
            time.sleep(3)
            if poster.error is not None:
                break
            try:
                now = progress(stack)
            except psycopg.Error:
                continue
            settled = (
                poster.done.is_set()
                and killer.done.is_set()
                and now["jobs_seen"] >= len(poster.posted)
                and now["rows"] == now["proposals"]
                and now["waiting"] == 0
            )
            stable = stable + 1 if settled and now == last else 0
            last = now
            brief = {k: v for k, v in now.items() if k != "statuses"}
            print(f"chaos: t={time.monotonic() - t0:.0f}s {json.dumps(brief)}", flush=True)
            if stable >= 2:
                drained = True
                break
            if poster.done.is_set() and killer.done.is_set():
                drain_deadline = drain_deadline or time.monotonic() + opts.drain_timeout
                if time.monotonic() > drain_deadline:
                    break
        killer.stop.set()
        chaos_s = time.monotonic() - t0
        result, detail = count(stack, roster)
        ready = [k.ready_s for k in killer.kills if not k.error]
        failed_kills = [asdict(k) for k in killer.kills if k.error]
        misses = []
        if not result.target_met:
            misses.append("lost, duplicated outside in doubt, or unexpected SMS")
        if result.notifications < opts.notifications:
            misses.append(f"only {result.notifications} notifications (wanted {opts.notifications})")
        if len(killer.kills) - len(failed_kills) < opts.kills:
            misses.append(f"{len(killer.kills) - len(failed_kills)} of {opts.kills} kills recovered")
        if killer.collateral:
            misses.append(f"processes died without being killed: {killer.collateral}")
        if not drained:
            misses.append("the pipeline did not drain in time")
        if poster.error:
            misses.append(f"posting failed: {poster.error}")
        summary = {
            "started_at": started_at.isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} {os.cpu_count()} CPU, {platform.system()} {platform.release()}",
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "seconds": {
                "total": round(time.monotonic() - t_start),
                "setup": round(setup_s),
                "chaos_and_drain": round(chaos_s),
            },
            "options": {**asdict(opts), "workdir": str(workdir), "seed": seed},
            "workers": workers,
            "sites": len(roster.sites),
            "post_rate_per_s": round(rate, 2),
            "jobs": {
                "planned": jobs,
                "posted": len(poster.posted),
                "stored_and_distinct": list(detail["jobs_stored"]),
                # each job has room for headcount x 3 proposals; fewer would mean a proposal never stored
                "proposals_per_job": detail["proposals_per_job"],
            },
            "post_failures": poster.failures,
            "posts_found_stored_after_a_failure": poster.recovered_by_lookup,
            "kills": len(killer.kills),
            "kills_by_target": dict(Counter(k.target for k in killer.kills)),
            "kill_to_ready_s": {
                "median": round(statistics.median(ready), 1) if ready else None,
                "max": max(ready, default=None),
            },
            "failed_restarts": failed_kills,
            "collateral_deaths": killer.collateral,
            "drained": drained,
            "pipeline": {k: v for k, v in last.items() if k == "statuses"},
            **result.summary(),
            "in_doubt_reasons": detail["in_doubt_reasons"],
            "in_doubt_final_status": detail["in_doubt_final_status"],
            "lost_rows": detail["lost_rows"],
            "kill_log": [asdict(k) for k in killer.kills],
            "misses": misses,
            "ok": not misses,
        }
        return summary
    finally:
        if stack is not None:
            if not summary.get("ok", False):
                print(f"chaos: service logs kept in {workdir}", file=sys.stderr)
            stack.stop()
        try:
            brokers.stop()
        except (subprocess.SubprocessError, OSError) as exc:
            print(f"chaos: stopping the private brokers failed: {exc}", file=sys.stderr)
        infra.drop_databases()
        shutil.rmtree(
            workdir / "kafka" / "kafka", ignore_errors=True
        )  # broker data: large, of no further use
