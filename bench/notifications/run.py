"""Notifications benchmark (not part of the test suite).

    .venv/bin/python -m bench.notifications                      # burst of 5,000, then 200/s for 20 s
    .venv/bin/python -m bench.notifications --burst 2000 --rate 100 --seconds 10

Runs the real pipeline on the local Kafka, PostgreSQL and Redis: the notifications service as its own
process (`python -m notifications`, SMPP provider), the real node-smpp SMSC from tests/notifications/smpp_peer
(it logs every submit_sm with its arrival time), and a stand-in for the workers contact endpoint.

- burst: N match.proposed are published at once; the sustained submit rate is N over the time between the
  first and the last submit_sm the SMSC received.
- paced: events are published at a fixed rate; the latency of each is the SMSC's arrival time of its
  submit_sm minus the event's publish time (same machine clock), reported as p50/p99.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from anju_common.kafka import Producer
from anju_common.migrate import upgrade
from anju_common.testing import free_port
from anju_common.topics import ensure_topics

from tests.notifications.helpers import match_proposed
from tests.notifications.peers import SmppPeer, WorkerDirectory

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "services" / "notifications" / "migrations"
PG = os.environ.get("ANJU_PG_URL", "postgresql+psycopg://anju:anju@127.0.0.1:5432")
KAFKA = os.environ.get("ANJU_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
REDIS = os.environ.get("ANJU_REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "bench-service-token"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Bench:
    """One run's private database, topics, SMSC, contact stub and service process."""

    def __init__(self, workdir: Path, replicas: int = 1) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.db = f"anju_bench_{self.run}_notifications"
        with psycopg.connect(f"{PG.replace('+psycopg', '')}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db}"')
        self.db_url = f"{PG}/{self.db}"
        upgrade(MIGRATIONS, self.db_url)
        self.prefix = f"bench{self.run}."
        ensure_topics(KAFKA, self.prefix, partitions=6)
        self.smsc = SmppPeer(workdir)
        self.directory = WorkerDirectory(token=TOKEN)
        self.directory.start()
        self.producer = Producer(KAFKA, client_id="bench-notifications", linger_ms=5)
        env = dict(os.environ)
        env.update(
            ANJU_ENV="development",  # a private trial stack on the development secrets
            ANJU_DB="postgres",
            ANJU_KAFKA_BOOTSTRAP=KAFKA,
            ANJU_REDIS_URL=REDIS,
            ANJU_TOPIC_PREFIX=self.prefix,
            ANJU_SERVICE_TOKEN=TOKEN,
            ANJU_LOG_LEVEL="WARNING",
            NOTIFICATIONS_DATABASE_URL=self.db_url,
            NOTIFICATIONS_PROVIDER="smpp",
            NOTIFICATIONS_SMPP_PORT=str(self.smsc.port),
            NOTIFICATIONS_WORKERS_URL=self.directory.url,
            NOTIFICATIONS_QUIET_START="00:00",
            NOTIFICATIONS_QUIET_END="00:00",
            NOTIFICATIONS_DISPATCH_POLL_SECONDS="0.02",
        )
        self.procs: list[subprocess.Popen[bytes]] = []
        for i in range(replicas):
            port = free_port()
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "notifications"],
                    cwd=ROOT,
                    env={**env, "NOTIFICATIONS_PORT": str(port)},
                    stdout=(workdir / f"service-{i}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
        time.sleep(2.0 + 3.0 * (replicas - 1))  # let the consumers join and balance the group

    def publish(self, count: int, rate: float | None) -> dict[str, float]:
        """Publish count events (at rate per second, or at once); returns phone -> publish time (ms)."""
        workers = [self.directory.add() for _ in range(count)]
        sent_at: dict[str, float] = {}
        start = time.time()
        for i, worker in enumerate(workers):
            if rate:
                delay = start + i / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
            ev = match_proposed(worker)
            sent_at[worker["phone"].lstrip("+")] = time.time() * 1000
            self.producer.send(f"{self.prefix}{ev.topic()}", ev.key(), ev.to_json())
        self.producer.flush()
        return sent_at

    def wait_all(self, phones: dict[str, float], timeout: float) -> dict[str, float]:
        """Wait until the SMSC got one submit per phone; returns phone -> first arrival (ms)."""
        deadline = time.monotonic() + timeout
        arrivals: dict[str, float] = {}
        while time.monotonic() < deadline:
            arrivals = {}
            for e in self.smsc.entries():
                if e["dest"] in phones and e["dest"] not in arrivals:
                    arrivals[e["dest"]] = float(e["at"])
            if len(arrivals) == len(phones):
                break
            time.sleep(0.5)
        return arrivals

    def close(self) -> None:
        """Stop everything this run started and drop its database."""
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.smsc.stop()
        self.directory.stop()
        self.producer.close()
        with psycopg.connect(f"{PG.replace('+psycopg', '')}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')


def main() -> None:
    """Run the burst and the paced phase; print and append one JSON line of results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--replicas", type=int, default=1, help="service processes sharing the work")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "data" / "notifications-results.jsonl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), args.replicas)
        try:
            result: dict[str, object] = {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()} {_cpu_model()} cpus={os.cpu_count()}",
                "load_average_1m": round(os.getloadavg()[0], 2),
                "replicas": args.replicas,
            }
            # Warm-up: connections, JIT-free but caches and the SMPP bind.
            bench.wait_all(bench.publish(50, None), 60)

            cpu_before = sum(_cpu_seconds(p.pid) for p in bench.procs)
            phones = bench.publish(args.burst, None)
            arrivals = bench.wait_all(phones, 300)
            cpu_used = sum(_cpu_seconds(p.pid) for p in bench.procs) - cpu_before
            times = sorted(arrivals.values())
            span = (times[-1] - times[0]) / 1000 if len(times) > 1 else float("nan")
            result["burst"] = {
                "events": args.burst,
                "submitted": len(arrivals),
                "seconds": round(span, 2),
                "submits_per_second": round(len(arrivals) / span, 1) if span else None,
                # CPU the service processes spent per SMS: what bounds the rate once they have the cores.
                "service_cpu_ms_per_sms": round(cpu_used * 1000 / max(1, len(arrivals)), 2),
            }
            print(
                f"burst: {len(arrivals)}/{args.burst} submits in {span:.2f}s = {len(arrivals) / span:.0f}/s",
                flush=True,
            )

            count = int(args.rate * args.seconds)
            phones = bench.publish(count, args.rate)
            arrivals = bench.wait_all(phones, 120)
            latencies = [arrivals[p] - phones[p] for p in arrivals]
            result["paced"] = {
                "rate": args.rate,
                "events": count,
                "submitted": len(arrivals),
                "p50_ms": round(_percentile(latencies, 0.50), 1),
                "p99_ms": round(_percentile(latencies, 0.99), 1),
                "max_ms": round(max(latencies), 1),
                "mean_ms": round(statistics.fmean(latencies), 1),
            }
            dupes = sum(1 for n in Counter(e["dest"] for e in bench.smsc.entries()).values() if n > 1)
            result["duplicates"] = dupes
            print(json.dumps(result, ensure_ascii=False), flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            with args.out.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(result, ensure_ascii=False) + "\n")
        finally:
            bench.close()


if __name__ == "__main__":
    main()
