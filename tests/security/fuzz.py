"""Fuzz the gateway with the schemathesis CLI, once per principal, against a stack started here.

`python -m tests.security.fuzz --examples 100` starts every service as a real process (its own databases
and topics on the shared PostgreSQL/Redis/Kafka, see tests/e2e/harness.py), creates an administrator, an
office-staff user of a site created for the run and an employer with an API key, then runs
`schemathesis run --checks all` against the gateway's /openapi.json as the employer, the office and the
administrator, and prints (or writes with --totals) the totals. The bounded pytest form is
tests/security/test_fuzz.py. Schemathesis reuses response data to create, change and delete objects, so it
only ever runs against a stack this module started.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from anju_common.testing import Infra
from anju_common.topics import ensure_topics

from tests.e2e.harness import ROOT, Stack, start_stack
from tests.e2e.journey import World

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
HOOKS = Path(__file__).with_name("fuzz_hooks.py")
PRINCIPALS = ("employer", "office", "admin")
# The SSE stream never ends by design: every request would only run into the timeout (it is tested in
# tests/notifications and tests/e2e).
# An SSE stream never ends; logout revokes the access token it is sent with, which is the run's own.
EXCLUDE_PATH_REGEX = r"/feed/stream$|/auth/logout$"
# Failures that must never happen (the run fails on them): server errors, responses that do not match the
# document (status, content type, headers, body schema), auth that is ignored, objects that outlive their
# deletion or vanish after creation, one tenant's objects reachable by another.
GATING = {
    "ServerError",
    "ContentTypeServerError",
    "UndefinedStatusCode",
    "MissingContentType",
    "UndefinedContentType",
    "MalformedMediaType",
    "MissingHeaders",
    "JsonSchemaError",
    "MalformedJson",
    "ContentDeserializationError",
    "DiscriminatorMismatch",
    "IgnoredAuth",
    "UseAfterFree",
    "EnsureResourceAvailability",
    "ObjectLevelAuthorizationViolation",
    "CustomFailure",  # tests/security/fuzz_hooks.py: every error is a problem+json naming its status
}
# NUL characters in strings are generated too: the kit refuses them with a 422 naming the field
# (ANJU_FUZZ_ALLOW_NUL=false leaves them out, see docs/security-fuzzing.md).
ALLOW_NUL = os.environ.get("ANJU_FUZZ_ALLOW_NUL", "true")
# Tokens must outlive a full run; sessions of the fuzz stack only.
STACK_ENV = {"GATEWAY_ACCESS_TOKEN_MINUTES": "600"}


@dataclass
class Principal:
    """One identity schemathesis runs as, and the ids it must not revoke from itself."""

    name: str
    headers: dict[str, str]
    protect: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """One schemathesis run: its exit code, the JSON report and the terminal output."""

    principal: str
    exit_code: int
    report: dict[str, Any]
    output: str

    def failures(self) -> dict[str, int]:
        """Failure count by check title."""
        return {str(f["title"]): int(f["count"]) for f in self.report.get("failures") or []}

    def gating(self) -> list[str]:
        """The failures that fail the run: kind, count and operations."""
        return [
            f"{f['title']} ({f['type']}) x{f['count']}: {', '.join(f['operations'])}"
            for f in self.report.get("failures") or []
            if f["type"] in GATING
        ]

    def gating_details(self, limit: int = 8000) -> str:
        """The output's failure blocks of the operations with gating failures (request, response, curl)."""
        ops = {op for f in self.report.get("failures") or [] if f["type"] in GATING for op in f["operations"]}
        blocks = [b.split("\n===")[0] for b in re.split(r"\n(?=_{3,} )", self.output)]
        picked = [b for b in blocks if any(re.match(rf"_+ {re.escape(op)} _+", b) for op in ops)]
        return ("\n".join(picked) or self.output[-limit:])[:limit]

    def broken(self) -> list[str]:
        """Why this run failed: gating failures, engine errors, or no report at all."""
        problems = self.gating()
        problems += [f"error: {e['title']} x{e['count']}" for e in self.report.get("errors") or []]
        if not self.report:
            problems.append(f"no report (exit {self.exit_code}):\n{self.output[-3000:]}")
        elif not self.report.get("complete"):
            problems.append(f"run incomplete: {self.report.get('stop_reason')}")
        return problems

    def summary(self) -> dict[str, Any]:
        """Totals of the run."""
        ops = self.report.get("operations") or {}
        cases = self.report.get("test_cases") or {}
        return {
            "principal": self.principal,
            "exit_code": self.exit_code,
            "operations_tested": ops.get("tested"),
            "operations_selected": ops.get("selected"),
            "test_cases": cases.get("generated"),
            "with_failures": cases.get("with_failures"),
            "errored": cases.get("errored"),
            "failures": self.failures(),
            "gating_failures": sum(
                int(f["count"]) for f in self.report.get("failures") or [] if f["type"] in GATING
            ),
            "errors": {str(e["title"]): int(e["count"]) for e in self.report.get("errors") or []},
            "running_time": self.report.get("running_time"),
        }


def lost_credentials(stack: Stack, people: list[Principal]) -> list[str]:
    """Principals whose credentials no longer authenticate: a run that ended its own session tested
    nothing but 401 from then on."""
    lost = []
    for person in people:
        answer = httpx.get(f"{stack.gateway}/api/v1/auth/me", headers=_headers(person.headers), timeout=10)
        if answer.status_code != 200:
            lost.append(f"{person.name}: its credentials stopped working in the run ({answer.status_code})")
    return lost


def principals(stack: Stack) -> dict[str, Principal]:
    """An administrator, office staff of a site created for the run, and that site's employer key."""
    world = World(stack, "fuzz")
    world.create_site()
    staff = world.create_staff()
    world.add_household()
    world.add_employer("模糊测试扶贫车间")
    assert world.employer_client is not None
    admin_me = world.admin.get("/api/v1/auth/me").json()
    staff_me = staff.get("/api/v1/auth/me").json()
    keys = staff.get("/api/v1/api-keys", params={"employer_id": world.employer["id"]}).json()
    key_ids = [k["id"] for k in keys]

    def own_id(me: dict[str, Any]) -> list[str]:
        return [str(me["sub"]).removeprefix("user:")]

    return {
        "admin": Principal("admin", dict(world.admin.headers), own_id(admin_me) + key_ids),
        "office": Principal("office", dict(staff.headers), own_id(staff_me) + key_ids),
        "employer": Principal("employer", {"X-API-Key": world.api_key}, key_ids),
    }


def _headers(headers: dict[str, str]) -> dict[str, str]:
    wanted = {"authorization", "x-api-key"}
    return {k: v for k, v in headers.items() if k.lower() in wanted}


def run_schemathesis(
    stack: Stack,
    principal: Principal,
    *,
    examples: int,
    workdir: Path,
    seed: int = 9,
    phases: str = "examples,coverage,fuzzing,stateful",
    max_time: float | None = None,
    extra: list[str] | None = None,
    workers: int = 2,
) -> RunResult:
    """Run the CLI with every check as one principal; returns the parsed JSON report."""
    report_dir = workdir / f"report-{principal.name}"
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path = report_dir / "report.json"
    cmd = [
        SCHEMATHESIS,
        "run",
        f"{stack.gateway}/openapi.json",
        "--url",
        stack.gateway,
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--phases",
        phases,
        "--seed",
        str(seed),
        "--workers",
        str(workers),
        "--request-timeout",
        "30",
        "--exclude-path-regex",
        EXCLUDE_PATH_REGEX,
        "--generation-database",
        "none",
        "--generation-with-security-parameters",
        "false",
        "--generation-allow-x00",
        ALLOW_NUL,
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "json,junit",
        "--report-dir",
        str(report_dir),
        "--report-json-path",
        str(json_path),
        "--wait-for-schema",
        "30",
    ]
    if max_time is not None:
        cmd += ["--max-time", str(int(max_time))]
    for name, value in _headers(principal.headers).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd += extra or []
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = str(HOOKS)
    env["ANJU_FUZZ_PROTECT"] = ",".join(principal.protect)
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    (report_dir / "output.txt").write_text(output, encoding="utf-8")
    report: dict[str, Any] = json.loads(json_path.read_text()) if json_path.exists() else {}
    return RunResult(principal.name, done.returncode, report, output)


def main(argv: list[str] | None = None) -> int:
    """Start a stack, fuzz it as each principal, print the totals; exit 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=100, help="examples per operation (default 100)")
    parser.add_argument("--principal", choices=PRINCIPALS, action="append", help="repeatable; default all")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--workdir", type=Path, help="keep logs and reports here (default: a temp dir)")
    parser.add_argument("--totals", type=Path, help="write the totals as JSON to this file")
    args = parser.parse_args(argv)
    workdir: Path = (args.workdir or Path(tempfile.mkdtemp(prefix="anju-fuzz-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    infra = Infra()
    ensure_topics(infra.kafka_bootstrap, infra.topic_prefix, partitions=3)
    started = time.monotonic()
    stack = start_stack(infra, workdir / "stack", **STACK_ENV)
    results: list[RunResult] = []
    try:
        people = principals(stack)
        for name in args.principal or PRINCIPALS:
            print(f"fuzz: {name} ({args.examples} examples per operation)", file=sys.stderr, flush=True)
            result = run_schemathesis(
                stack, people[name], examples=args.examples, workdir=workdir, seed=args.seed
            )
            results.append(result)
            print(json.dumps(result.summary(), ensure_ascii=False), flush=True)
        dead = [p.name for p in stack.procs.values() if p.popen.poll() is not None]
        lost = lost_credentials(stack, [people[r.principal] for r in results])
    finally:
        stack.stop()
        infra.drop_databases()
    totals = {
        "examples_per_operation": args.examples,
        "seed": args.seed,
        "minutes": round((time.monotonic() - started) / 60, 1),
        "dead_services": dead,
        "lost_credentials": lost,
        "runs": [r.summary() for r in results],
        "reports": str(workdir),
    }
    if args.totals:
        args.totals.write_text(json.dumps(totals, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(totals, ensure_ascii=False, indent=2))
    if args.workdir is None:
        print(f"reports and logs kept in {workdir}", file=sys.stderr)
    failed = dead or lost or any(r.broken() for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    shutil.which(SCHEMATHESIS) or sys.exit(f"{SCHEMATHESIS} not found: run uv sync")
    sys.exit(main())
