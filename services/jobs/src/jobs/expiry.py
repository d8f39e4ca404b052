"""Jobs past their expiry date are closed on a timer (each replica safe: rows are locked with SKIP LOCKED)."""

from __future__ import annotations

from anju_common.background import PeriodicTask
from anju_common.db import session_scope
from anju_common.logs import get_logger
from sqlalchemy import Engine

from jobs import service
from jobs.config import get_settings, today

log = get_logger(__name__)


class ExpiryTicker(PeriodicTask):
    """Closes expired jobs every expiry_check_seconds."""

    def __init__(self, engine: Engine) -> None:
        super().__init__("job-expiry", get_settings().expiry_check_seconds, failed_event="jobs.expiry_failed")
        self.engine = engine

    def tick(self) -> int:
        """Close what has expired as of today in the service's time zone."""
        with session_scope(self.engine) as session:
            return service.expire_jobs(session, today())

    def done(self, count: int) -> None:
        """Log what was closed."""
        log.info("jobs.expired", count=count)
