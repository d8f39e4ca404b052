"""The service's notion of now: wall time, or a fixed instant tests set (quiet hours, rate limits, leases)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime


class Clock:
    """Now in UTC; tests pin it with set()."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The fixed instant if one is set, else the wall clock."""
        with self._lock:
            return self._fixed or datetime.now(UTC)

    def set(self, when: datetime | None) -> None:
        """Pin the clock (None returns to the wall clock)."""
        with self._lock:
            self._fixed = when


CLOCK = Clock()
