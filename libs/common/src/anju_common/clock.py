"""The one notion of now: wall time, or a fixed instant a test sets (quiet hours, deadlines, leases)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# How often a followed clock file is looked at again: cheap enough for every call, fresh enough for a test.
_RECHECK_SECONDS = 0.05


class Clock:
    """Now in UTC; tests pin it with set(), or move every process of a stack through a shared file."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._lock = threading.Lock()
        self._file: Path | None = None
        self._offset = timedelta(0)
        self._checked_at = 0.0
        self._stamp: tuple[int, int] | None = None

    def now(self) -> datetime:
        """The fixed instant if one is set, else the wall clock (plus a followed file's offset)."""
        with self._lock:
            if self._fixed is not None:
                return self._fixed
            if self._file is not None:
                self._refresh()
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime | None) -> None:
        """Pin the clock (None returns to the wall clock)."""
        with self._lock:
            self._fixed = when

    def follow(self, path: Path | None) -> None:
        """Add the offset written in a file (seconds, e.g. by an end-to-end test) to the wall clock."""
        with self._lock:
            self._file = path
            self._offset = timedelta(0)
            self._stamp = None
            self._checked_at = 0.0
            if path is not None:
                self._refresh()

    def today(self, tz: str) -> date:
        """Today's date in a time zone (an office's calendar)."""
        return self.now().astimezone(ZoneInfo(tz)).date()

    def _refresh(self) -> None:
        assert self._file is not None
        tick = time.monotonic()
        if tick - self._checked_at < _RECHECK_SECONDS:
            return
        self._checked_at = tick
        try:
            stat = self._file.stat()
            stamp = (stat.st_ino, stat.st_mtime_ns)  # a new inode per write: equal mtimes still differ
            if stamp == self._stamp:
                return
            text = self._file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            self._offset, self._stamp = timedelta(0), None
            return
        try:
            self._offset = timedelta(seconds=float(text or 0))
        except ValueError:
            return  # a half-written file: keep the last offset and read it again next time
        self._stamp = stamp


def write_offset(path: Path, offset: timedelta) -> None:
    """Move every process that follows this file to wall time + offset (written atomically)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{offset.total_seconds():.6f}\n", encoding="utf-8")
    tmp.replace(path)


CLOCK = Clock()


def utcnow() -> datetime:
    """Timezone-aware now in UTC, from the process clock."""
    return CLOCK.now()


def today(tz: str) -> date:
    """Today's date in a time zone, from the process clock."""
    return CLOCK.today(tz)
