"""The replicas of each upstream service: round-robin over those whose circuit lets a call through."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from gateway.breaker import CircuitBreaker


@dataclass
class Replica:
    """One base URL of a service and its own circuit."""

    url: str
    breaker: CircuitBreaker


@dataclass
class Upstream:
    """Every replica of one service; each request starts at the next replica in turn."""

    replicas: list[Replica]
    _turn: Iterator[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, urls: list[str], failures: int, open_seconds: float) -> Upstream:
        """An upstream over these URLs, each with a breaker of the given settings."""
        return cls([Replica(u, CircuitBreaker(failures, open_seconds)) for u in urls])

    def attempts(self) -> Iterator[Replica]:
        """Replicas to try in order for one request: the next in turn first, skipping open circuits."""
        with self._lock:
            start = next(self._turn) % len(self.replicas)
        ordered = self.replicas[start:] + self.replicas[:start]
        for replica in ordered:
            if replica.breaker.allow():
                yield replica

    def retry_after(self) -> int:
        """Seconds until some replica takes a trial call again."""
        return min(r.breaker.retry_after() for r in self.replicas)

    @property
    def state(self) -> str:
        """closed while any replica's circuit is closed; else the first replica's state."""
        states = [r.breaker.state for r in self.replicas]
        if len(states) == 1:
            return states[0]
        return "closed" if "closed" in states else states[0]

    def states(self) -> dict[str, str]:
        """Circuit state by replica URL."""
        return {r.url: r.breaker.state for r in self.replicas}
