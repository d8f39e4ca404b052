"""The bench's arithmetic, free of I/O: the posting schedule, percentiles, and the stage breakdown."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

# The points every SMS passes, in order, with the stage that ends at each (the first is the origin). Each
# is a wall-clock time in seconds; all processes run on one machine, so one clock.
POINTS: tuple[tuple[str, str, str], ...] = (
    ("sent", "", "the bench sent POST /api/v1/jobs"),
    ("job_created", "request", "jobs: job.created_at (gateway, auth, the jobs handler)"),
    ("job_kafka", "outbox", "Kafka record timestamp of job.posted (commit, relay pickup, send)"),
    ("job_read", "kafka", "matching: job_view.updated_at (broker, poll, projection)"),
    ("match_created", "matching", "matching: match.created_at (commit, proposer, ranking)"),
    ("match_kafka", "proposal", "Kafka record timestamp of match.proposed (commit, relay pickup, send)"),
    ("note_created", "notification", "notifications: notification.created_at (broker, poll, consumer)"),
    # submitted_at is the dispatcher's `now`, taken when the batch that claims the row starts.
    ("note_submitting", "dispatch", "notifications: submitted_at (commit, the dispatcher's next batch)"),
    ("peer_received", "submit", "the peer's received_at of submit_sm (claim, contacts, limits, commit, PDU)"),
)


def schedule(rate: float, duration: float) -> list[float]:
    """Offsets (s from the start) at which an open-loop poster sends: evenly spaced, rate per second."""
    if rate <= 0 or duration <= 0:
        return []
    return [i / rate for i in range(math.ceil(rate * duration - 1e-9))]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """count, p50/p95/p99/max/min in milliseconds (None without values)."""
    if not seconds:
        return {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None, "min_ms": None}
    out: dict[str, float | int | None] = {"count": len(seconds)}
    for q in (50, 95, 99):
        out[f"p{q}_ms"] = round(percentile(seconds, q) * 1000, 1)
    out["max_ms"] = round(max(seconds) * 1000, 1)
    out["min_ms"] = round(min(seconds) * 1000, 1)
    return out


def stage_increments(
    chains: Iterable[Mapping[str, float | None]], points: Sequence[str]
) -> dict[str, list[float]]:
    """Per stage, the increments between consecutive points of each chain. A point no chain has (a
    timestamp the run could not read) merges its two stages into one named "a+b"; a chain missing a point
    the others have gives no increment for the stages around it."""
    chains = list(chains)
    present = [p for p in points if any(c.get(p) is not None for c in chains)]
    names = {p: n for p, n, _ in POINTS}
    out: dict[str, list[float]] = {}
    for before, after in itertools.pairwise(present):
        span = points[points.index(before) + 1 : points.index(after) + 1]
        stage = "+".join(names.get(p, p) for p in span)
        values = out.setdefault(stage, [])
        for chain in chains:
            a, b = chain.get(before), chain.get(after)
            if a is not None and b is not None:
                values.append(b - a)
    return out


def breakdown(chains: Sequence[Mapping[str, float | None]]) -> dict[str, dict[str, object]]:
    """The stage table of the summary: each stage's distribution and what it spans; a point no chain has
    is named under "no timestamp"."""
    points = [p for p, _, _ in POINTS]
    table: dict[str, dict[str, object]] = {}
    for stage, values in stage_increments(chains, points).items():
        table[stage] = dict(distribution(values))
    missing = [p for p in points if not any(c.get(p) is not None for c in chains)]
    if missing:
        table["no timestamp"] = {"points": missing}
    return table


def window_rate(times: Iterable[float], start: float, end: float) -> float:
    """Events per second whose time falls in [start, end)."""
    if end <= start:
        return 0.0
    return sum(1 for t in times if start <= t < end) / (end - start)
