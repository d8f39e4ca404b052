"""Readiness checks: does each dependency of a process answer ('ok' or the error's type)."""

from __future__ import annotations

from collections.abc import Callable

import redis
from sqlalchemy import Engine

from anju_common.db import ping
from anju_common.kafka import kafka_reachable


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def readiness_checks(
    engine: Engine, client: redis.Redis[bytes], kafka_bootstrap: str | None = None
) -> dict[str, str]:
    """Check the database, Kafka (when the process uses it) and Redis."""
    checks = {"database": _check(lambda: ping(engine))}
    if kafka_bootstrap is not None:
        checks["kafka"] = "ok" if kafka_reachable(kafka_bootstrap) else "error: unreachable"
    checks["redis"] = _check(client.ping)
    return checks
