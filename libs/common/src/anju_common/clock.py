"""The one notion of now: wall time, or a fixed instant a test sets (quiet hours, deadlines, leases)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


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

    def today(self, tz: str) -> date:
        """Today's date in a time zone (an office's calendar)."""
        return self.now().astimezone(ZoneInfo(tz)).date()


CLOCK = Clock()


def utcnow() -> datetime:
    """Timezone-aware now in UTC, from the process clock."""
    return CLOCK.now()


def today(tz: str) -> date:
    """Today's date in a time zone, from the process clock."""
    return CLOCK.today(tz)
