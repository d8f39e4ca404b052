"""Where the CPU goes during the posting: each service process's user + system time from /proc, the broker's
and the database's, and the whole machine's busy time, so a run says which part to make cheaper."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_seconds(stat: str) -> float:
    """User + system CPU seconds from one /proc/<pid>/stat line (the name may hold spaces and parentheses)."""
    fields = stat[stat.rindex(")") + 2 :].split()
    # Fields 14 and 15 of proc(5) (utime, stime), counted from the state field, which is field 3.
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy_seconds(stat: str) -> float:
    """CPU seconds spent not idle, summed over all CPUs, from /proc/stat's first line."""
    values = [int(v) for v in stat.splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / TICK


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # the process ended between the listing and the read
        return None


def _by_command() -> dict[str, float]:
    """CPU seconds of the broker (java) and of PostgreSQL's processes alive now."""
    totals = {"kafka": 0.0, "postgres": 0.0}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(entry / "stat")
        if stat is None:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name == "java":
            totals["kafka"] += process_seconds(stat)
        elif name in ("postgres", "postmaster"):
            totals["postgres"] += process_seconds(stat)
    return totals


@dataclass(frozen=True)
class Sample:
    """CPU seconds so far, per part, and the machine's busy seconds."""

    parts: dict[str, float]
    machine: float


def sample(processes: Iterable[tuple[str, int]]) -> Sample:
    """Now: each service's processes (service name, pid; replicas summed), the bench itself, the broker and
    the database (backends that ended since the last sample are not counted)."""
    parts: dict[str, float] = {}
    for service, pid in processes:
        stat = _read(PROC / str(pid) / "stat")
        if stat is not None:
            parts[service] = parts.get(service, 0.0) + process_seconds(stat)
    own = _read(PROC / "self" / "stat")
    if own is not None:
        parts["bench"] = process_seconds(own)
    parts.update(_by_command())
    machine = _read(PROC / "stat")
    return Sample(parts, machine_busy_seconds(machine) if machine else 0.0)


def spent(before: Sample, after: Sample, sms: int, seconds: float) -> dict[str, object]:
    """CPU between two samples: per part in seconds and in ms per SMS, and the machine's busy share."""
    cores = os.cpu_count() or 1
    used = {k: max(after.parts.get(k, 0.0) - v, 0.0) for k, v in before.parts.items()}
    per_sms = {k: round(v * 1000 / sms, 2) for k, v in used.items()} if sms else {}
    return {
        "seconds": {k: round(v, 1) for k, v in sorted(used.items(), key=lambda kv: -kv[1])},
        "ms_per_sms": dict(sorted(per_sms.items(), key=lambda kv: -kv[1])),
        "machine_busy_share": round((after.machine - before.machine) / (seconds * cores), 3)
        if seconds
        else None,
    }
