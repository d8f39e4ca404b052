"""Background work of a service process: a daemon thread with a stop flag, and a timer built on it."""

from __future__ import annotations

import threading

from anju_common.logs import describe_error, get_logger

log = get_logger(__name__)


class BackgroundThread:
    """A loop in a daemon thread: start() runs run(), stop() sets stopping and wakes it, then joins."""

    def __init__(self, name: str) -> None:
        self.thread_name = name
        self.stopping = threading.Event()
        self.wakeup = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """The loop; it returns once stopping is set."""
        raise NotImplementedError

    def wake(self) -> None:
        """Cut the current wait short."""
        self.wakeup.set()

    def sleep(self, seconds: float) -> None:
        """Wait until woken, stopped or the time passes."""
        self.wakeup.wait(seconds)
        self.wakeup.clear()

    def start(self) -> None:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to end and wait for it."""
        self.stopping.set()
        self.wakeup.set()
        if self._thread:
            self._thread.join(timeout)


class PeriodicTask(BackgroundThread):
    """Calls tick() every interval seconds until stopped; a failing tick is logged and tried again later."""

    def __init__(self, name: str, interval: float, *, failed_event: str) -> None:
        super().__init__(name)
        self.interval = interval
        self.failed_event = failed_event

    def tick(self) -> int:
        """One round of the work; returns how many things it did."""
        raise NotImplementedError

    def done(self, count: int) -> None:
        """Called after a tick that did something (to log it)."""

    def run(self) -> None:
        """Tick, then wait the interval."""
        while not self.stopping.is_set():
            try:
                count = self.tick()
                if count:
                    self.done(count)
            except Exception as exc:
                log.warning(self.failed_event, error=describe_error(exc))
            self.stopping.wait(self.interval)
