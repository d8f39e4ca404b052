"""A small circuit breaker per upstream service: fail fast while a service is down."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `open_seconds` lets one trial call through."""

    threshold: int = 3
    open_seconds: float = 10.0
    failures: int = 0
    opened_at: float | None = None
    _trial_running: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self) -> bool:
        """Whether a call may go to the service now."""
        with self._lock:
            if self.opened_at is None:
                return True
            if time.monotonic() - self.opened_at < self.open_seconds:
                return False
            if self._trial_running:
                return False
            self._trial_running = True
            return True

    def retry_after(self) -> int:
        """Seconds until the next trial call, at least 1."""
        if self.opened_at is None:
            return 1
        return max(1, int(self.open_seconds - (time.monotonic() - self.opened_at)) + 1)

    def success(self) -> None:
        """The service answered: close the circuit."""
        with self._lock:
            self.failures = 0
            self.opened_at = None
            self._trial_running = False

    def failure(self) -> None:
        """The service could not be reached or timed out."""
        with self._lock:
            self.failures += 1
            self._trial_running = False
            if self.failures >= self.threshold or self.opened_at is not None:
                self.opened_at = time.monotonic()

    @property
    def state(self) -> str:
        """closed, open or half-open."""
        if self.opened_at is None:
            return "closed"
        return "open" if time.monotonic() - self.opened_at < self.open_seconds else "half-open"
