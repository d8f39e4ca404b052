"""Event consumers and periodic tasks of the jobs service."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from anju_common.app import Runtime
from anju_common.db import session_scope
from anju_common.events import MatchStatus, MatchStatusChanged
from anju_common.kafka import ConsumerConfig, ConsumerRunner
from anju_common.logs import get_logger
from sqlmodel import Session

from jobs import service
from jobs.config import JobsSettings

log = get_logger(__name__)


def on_match_status_changed(session: Session, event: MatchStatusChanged) -> None:
    """A hire fills a seat; the last seat fills the job."""
    if event.data.to_status == MatchStatus.hired:
        service.record_hire(session, event.data.job_id)


def build_consumer(runtime: Runtime) -> ConsumerRunner:
    """The jobs service's consumer of matching.events."""
    s = runtime.settings
    config = ConsumerConfig(
        name="jobs",
        group_id=s.group("jobs"),
        topics=[s.topic("matching.events")],
        bootstrap=s.kafka_bootstrap,
    )
    handlers = {MatchStatusChanged.type_name(): on_match_status_changed}
    return ConsumerRunner(config, runtime.engine, runtime.tables, handlers, runtime.producer)


class ExpiryTicker:
    """Closes expired jobs on a timer (each replica safe: rows are locked with SKIP LOCKED)."""

    def __init__(self, runtime: Runtime, settings: JobsSettings) -> None:
        self.runtime = runtime
        self.interval = settings.expiry_check_seconds
        self.tz = ZoneInfo(settings.timezone)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> int:
        """Close what has expired as of today in the service's time zone."""
        with session_scope(self.runtime.engine) as session:
            return service.expire_jobs(session, datetime.now(self.tz).date())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                closed = self.tick()
                if closed:
                    log.info("jobs.expired", count=closed)
            except Exception as exc:
                log.warning("jobs.expiry_failed", error=str(exc))
            self._stop.wait(self.interval)

    def start(self) -> None:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="job-expiry", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the timer."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
