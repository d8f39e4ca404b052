"""Every Anju service as a real process on free ports, against the real Kafka, PostgreSQL and Redis.

Each service is migrated with `python -m <svc> migrate`, started with `python -m <svc>`, and waited for on
/readyz. Logs go to one file per service (kept for the PII scan); on failure their tails are printed.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from anju_common.clock import write_offset
from anju_common.testing import Infra, free_port, wait_for
from anju_common.topics import ensure_topics
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient

from tests.notifications.peers import SmppPeer

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("jobs", "workers", "matching", "notifications")
CALLBACK_TOKEN = "e2e-callback-" + secrets.token_hex(8)


def service_exists(name: str) -> bool:
    """Whether a service's package has an app yet."""
    base = ROOT / ("gateway" if name == "gateway" else f"services/{name}") / "src" / name
    return (base / "main.py").exists() and (base / "__main__.py").exists()


@dataclass
class Proc:
    """One running service."""

    name: str
    port: int
    log: Path
    popen: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def tail(self, lines: int = 60) -> str:
        """The end of the service's log."""
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def restart(self) -> None:
        """Stop and start again with the same environment (the log continues)."""
        self.stop()
        self.popen = _spawn(self.name, self.env, self.log)

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL what is left."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)


@dataclass
class StackClock:
    """The clock every backend service of a stack follows (ANJU_CLOCK_FILE): a test moves it months on."""

    path: Path
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """The services' now."""
        return datetime.now(UTC) + self.offset

    def travel_to(self, when: datetime) -> None:
        """Move the services' clock forward to an instant (never back: their timers already fired)."""
        if when <= self.now():
            raise ValueError(f"the stack's clock is already past {when.isoformat()}")
        self.offset = when - datetime.now(UTC)
        write_offset(self.path, self.offset)


@dataclass
class Stack:
    """The running services, the SMPP peer and the admin credentials the harness created."""

    infra: Infra
    workdir: Path
    env: dict[str, str]
    topic_prefix: str
    procs: dict[str, Proc] = field(default_factory=dict)
    smsc: SmppPeer | None = None
    dbs: dict[str, str] = field(default_factory=dict)
    admin_username: str = ""
    admin_password: str = ""
    clock: StackClock | None = None

    @property
    def gateway(self) -> str:
        """The gateway's base URL: the only one tests talk to."""
        return self.procs["gateway"].url

    def client(self, **headers: str) -> httpx.Client:
        """An HTTP client for the gateway."""
        return httpx.Client(base_url=self.gateway, headers=headers, timeout=30)

    def has(self, *names: str) -> bool:
        """Whether these services run."""
        return all(n in self.procs for n in names)

    def require(self, *names: str) -> None:
        """Skip the calling test when a service has not been built yet."""
        missing = [n for n in names if n not in self.procs]
        if missing:
            pytest.skip(f"service not built yet: {', '.join(missing)}")

    def tails(self) -> str:
        """Every service's log tail, for failure reports."""
        return "\n\n".join(f"===== {p.name} ({p.log}) =====\n{p.tail()}" for p in self.procs.values())

    def logs(self) -> dict[str, str]:
        """The whole log of every service."""
        return {key: p.log.read_text(encoding="utf-8", errors="replace") for key, p in self.procs.items()}

    def check_alive(self) -> None:
        """Fail with the logs when a service died."""
        dead = [key for key, p in self.procs.items() if p.popen.poll() is not None]
        if dead:
            pytest.fail(f"service(s) died: {dead}\n{self.tails()}")

    def stop(self) -> None:
        """Stop the services (gateway first) and the SMPP peer."""
        for name in ["gateway", *reversed(SERVICES)]:
            if name in self.procs:
                self.procs[name].stop()
        for proc in self.procs.values():
            proc.stop()  # replicas (a no-op for those already stopped)
        if self.smsc is not None:
            self.smsc.stop()


def _run(cmd: list[str], env: dict[str, str], log: Path, timeout: float) -> None:
    with log.open("ab") as out:
        done = subprocess.run(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{log.read_text()[-4000:]}")


def _run_all(
    commands: dict[str, tuple[list[str], dict[str, str]]], workdir: Path, timeout: float = 240
) -> None:
    """Run commands side by side (each logging to workdir/<name>.log); fail naming every one that failed."""
    running = {}
    for name, (cmd, env) in commands.items():
        with (workdir / f"{name}.log").open("ab") as out:
            running[name] = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    failed = []
    for name, proc in running.items():
        try:
            proc.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.returncode != 0:
            failed.append(
                f"{' '.join(commands[name][0])} failed ({proc.returncode}):\n"
                + (workdir / f"{name}.log").read_text()[-3000:]
            )
    if failed:
        raise RuntimeError("\n\n".join(failed))


def _spawn(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", name],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _group_settled(admin: KafkaAdminClient, probe: KafkaConsumer, group_id: str) -> bool:
    """Whether a consumer group is stable with every partition of every subscribed topic assigned."""
    info = admin.describe_groups([group_id]).get(group_id) or {}
    members = info.get("members") or []
    if info.get("group_state") != "Stable" or not members:
        return False
    subscribed: set[str] = set()
    assigned: set[tuple[str, int]] = set()
    for member in members:
        subscribed |= set((member.get("member_metadata") or {}).get("topics") or [])
        for tp in (member.get("member_assignment") or {}).get("assigned_partitions") or []:
            assigned |= {(tp["topic"], p) for p in tp["partitions"]}
    wanted: set[tuple[str, int]] = set()
    for topic in subscribed:
        parts = wait_for(lambda t=topic: probe.partitions_for_topic(t), timeout=10)  # type: ignore[misc]
        if not parts:
            return False  # the probe cannot see the topic yet either: not settled
        wanted |= {(topic, p) for p in parts}
    return bool(subscribed) and wanted <= assigned


def settle_consumers(stack: Stack, timeout: float = 40) -> None:
    """Wait until each service's consumer group owns all its partitions; restart a service whose group
    came up without some (kafka-python can join before it has the topics' metadata and then waits for the
    next metadata refresh, minutes later, before it consumes them)."""
    admin = KafkaAdminClient(bootstrap_servers=stack.infra.kafka_bootstrap)
    probe = KafkaConsumer(bootstrap_servers=stack.infra.kafka_bootstrap)
    try:
        for name in SERVICES:
            if name not in stack.procs:
                continue
            group_id = f"{stack.topic_prefix}{name}"
            for _attempt in range(3):
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and not _group_settled(admin, probe, group_id):
                    time.sleep(0.5)
                if _group_settled(admin, probe, group_id):
                    break
                print(
                    f"harness: {group_id} did not get all its partitions; restarting {name}", file=sys.stderr
                )
                stack.procs[name].restart()
                wait_ready(stack.procs[name])
            else:
                raise RuntimeError(f"{group_id} never got its partitions:\n{stack.procs[name].tail(60)}")
    finally:
        probe.close()
        admin.close()


def wait_ready(proc: Proc, timeout: float = 90) -> None:
    """Wait until a service answers /readyz (fail with its log when it exits or never does)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail(80)}")
        try:
            response = httpx.get(f"{proc.url}/readyz", timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise RuntimeError(f"{proc.name} not ready after {timeout} s ({last}):\n{proc.tail(80)}")


def start_stack(infra: Infra, workdir: Path, **extra_env: str) -> Stack:
    """Migrate and start every built service and the gateway; the caller must call stop()."""
    return start_replicated_stack(infra, workdir, {}, **extra_env)


def start_time_travel_stack(infra: Infra, workdir: Path, **extra_env: str) -> Stack:
    """start_stack whose backend services follow a clock the test moves (stack.clock); test mode, because
    production refuses a test clock, with secrets of its own all the same. The gateway keeps the wall
    clock: tokens are issued and checked in real time."""
    workdir.mkdir(parents=True, exist_ok=True)
    clock = StackClock(workdir / "clock")
    write_offset(clock.path, clock.offset)
    stack = start_stack(infra, workdir, ANJU_ENV="test", ANJU_CLOCK_FILE=str(clock.path), **extra_env)
    stack.clock = clock
    return stack


def start_replicated_stack(infra: Infra, workdir: Path, replicas: dict[str, int], **extra_env: str) -> Stack:
    """start_stack with more processes of some services (e.g. {"matching": 3}: matching-2, matching-3, …);
    the gateway spreads requests over all of them."""
    workdir.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    extra = {f"{name}-{i}": free_port() for name, n in (replicas or {}).items() for i in range(2, n + 1)}
    # Topics and consumer groups of the stack's own: in-process service tests of the same run use the run's
    # prefix, and sharing groups with them would split partitions between unrelated databases.
    prefix = f"{infra.topic_prefix}e2e{uuid.uuid4().hex[:4]}."
    ensure_topics(infra.kafka_bootstrap, prefix, partitions=3)
    common = infra.env(
        ANJU_TOPIC_PREFIX=prefix,
        ANJU_HOST="127.0.0.1",
        ANJU_REQUIRE_PRINCIPAL="true",
        # Production mode: the stack must start on secrets of its own (random per run), as under make up.
        ANJU_ENV="production",
        ANJU_INTERNAL_TOKEN_SECRET=secrets.token_urlsafe(32),
        ANJU_SERVICE_TOKEN=secrets.token_urlsafe(24),
        ANJU_PII_KEYS=f"e2e:{secrets.token_urlsafe(32)}",
        ANJU_PII_HASH_KEY=secrets.token_urlsafe(32),
        ANJU_CURSOR_SECRET=secrets.token_urlsafe(32),
        ANJU_OUTBOX_POLL_SECONDS="0.05",
        ANJU_LOG_LEVEL="INFO",
        ANJU_LOG_JSON="true",
        ANJU_VAR_DIR=str(workdir / "var"),
        PYTHONUNBUFFERED="1",
        GATEWAY_RATE_LIMIT_PREFIX=f"t{infra.run_id}-e2e-{uuid.uuid4().hex[:6]}",
        GATEWAY_JWT_SECRET=secrets.token_urlsafe(32),
        GATEWAY_API_KEY_PEPPER=secrets.token_urlsafe(16),
        # Tests and fuzzing all come from 127.0.0.1; the limits themselves are tested in tests/gateway.
        GATEWAY_RATE_LIMIT_IP="100000/minute",
        GATEWAY_RATE_LIMIT_PRINCIPAL="100000/minute",
        GATEWAY_RATE_LIMIT_LOGIN="1000/minute",
        NOTIFICATIONS_PROVIDER="smpp",
        NOTIFICATIONS_QUIET_START="00:00",
        NOTIFICATIONS_QUIET_END="00:00",
        NOTIFICATIONS_LIMIT_PER_MINUTE="100",
        NOTIFICATIONS_LIMIT_PER_HOUR="100",
        NOTIFICATIONS_LIMIT_PER_DAY="100",
        NOTIFICATIONS_CALLBACK_TOKEN=CALLBACK_TOKEN,
        # Webhooks tests point at 127.0.0.2 (nothing listens); 127.0.0.1 and the rest stay refused.
        NOTIFICATIONS_WEBHOOK_ALLOW="127.0.0.2/32",
        NOTIFICATIONS_DISPATCH_POLL_SECONDS="0.1",
        NOTIFICATIONS_FEED_POLL_SECONDS="0.2",
        MATCHING_ZERO_CHECK_SECONDS="3600",
        JOBS_EXPIRY_CHECK_SECONDS="3600",
    )
    for name in SERVICES:
        common[f"{name.upper()}_PORT"] = str(ports[name])
        urls = [ports[name], *(port for proc, port in extra.items() if proc.rsplit("-", 1)[0] == name)]
        common[f"GATEWAY_{name.upper()}_URL"] = ",".join(f"http://127.0.0.1:{p}" for p in urls)
    common["GATEWAY_PORT"] = str(ports["gateway"])
    common["NOTIFICATIONS_WORKERS_URL"] = f"http://127.0.0.1:{ports['workers']}"
    common["ANJU_WORKERS_URL"] = f"http://127.0.0.1:{ports['workers']}"
    common.update(extra_env)
    stack = Stack(infra=infra, workdir=workdir, env=common, topic_prefix=prefix)
    try:
        if service_exists("notifications"):
            stack.smsc = SmppPeer(workdir)
            common["NOTIFICATIONS_SMPP_HOST"] = "127.0.0.1"
            common["NOTIFICATIONS_SMPP_PORT"] = str(stack.smsc.port)
        envs: dict[str, dict[str, str]] = {}
        for name in (*SERVICES, "gateway"):
            if not service_exists(name):
                continue
            envs[name] = dict(common)
            stack.dbs[name] = infra.create_database(name)
            envs[name][f"{name.upper()}_DATABASE_URL"] = stack.dbs[name]
        # Each service migrates its own database: all at once, so a stack starts in the time of the slowest.
        _run_all(
            {name: ([sys.executable, "-m", name, "migrate"], env) for name, env in envs.items()}, workdir
        )
        for name, env in envs.items():
            log = workdir / f"{name}.log"
            stack.procs[name] = Proc(name, ports[name], log, _spawn(name, env, log), env)
        for proc_name, port in extra.items():
            service = proc_name.rsplit("-", 1)[0]
            env = {**stack.procs[service].env, f"{service.upper()}_PORT": str(port)}
            log = workdir / f"{proc_name}.log"
            stack.procs[proc_name] = Proc(service, port, log, _spawn(service, env, log), env)
        for proc in stack.procs.values():
            wait_ready(proc)
        settle_consumers(stack)
        stack.admin_username = f"e2e-admin-{uuid.uuid4().hex[:6]}"
        stack.admin_password = secrets.token_urlsafe(16)
        gw_env = {
            **common,
            "GATEWAY_DATABASE_URL": stack.dbs["gateway"],
            "GATEWAY_NEW_USER_PASSWORD": stack.admin_password,
        }
        _run(
            [
                sys.executable,
                "-m",
                "gateway",
                "create-user",
                "--username",
                stack.admin_username,
                "--role",
                "admin",
            ],
            gw_env,
            workdir / "create-user.log",
            timeout=120,
        )
    except BaseException:
        tails = stack.tails()
        stack.stop()
        print(tails, file=sys.stderr)
        raise
    return stack


def login(stack: Stack, username: str, password: str) -> dict[str, str]:
    """Bearer headers for a staff user, through the gateway."""
    response = httpx.post(
        f"{stack.gateway}/api/v1/auth/token", data={"username": username, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def admin_headers(stack: Stack) -> dict[str, str]:
    """Bearer headers of the harness's administrator."""
    return login(stack, stack.admin_username, stack.admin_password)


def expect(response: httpx.Response, status: int, stack: Stack | None = None) -> Any:
    """Assert a status; on mismatch show the body (and the services' log tails)."""
    if response.status_code != status:
        detail = (
            f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}"
        )
        if stack is not None:
            detail += "\n" + stack.tails()
        raise AssertionError(detail)
    return (
        response.json() if response.content and "json" in response.headers.get("content-type", "") else None
    )
