"""Zero-employment households: the office is alerted past the deadline and public-welfare posts proposed."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import numpy as np
from anju_common.background import PeriodicTask
from anju_common.clock import CLOCK, Clock
from anju_common.db import session_scope
from anju_common.events import (
    EmployerKind,
    EmploymentStatus,
    ZeroEmploymentAlerted,
    ZeroEmploymentAlertedData,
)
from anju_common.logs import get_logger
from sqlalchemy import Engine
from sqlmodel import Session

from matching import repository as repo
from matching.config import get_settings
from matching.engine.profiles import HouseholdProfile
from matching.models import emit
from matching.proposals import cooldown_start, create_match
from matching.state import MatchingState

log = get_logger(__name__)


def working_days(since: date, day: date) -> int:
    """Monday-to-Friday days from since (inclusive) to day (exclusive)."""
    return int(np.busday_count(since, day)) if day > since else 0


def check_zero_employment(
    session: Session, state: MatchingState, day: date, now: datetime | None = None
) -> list[uuid.UUID]:
    """Alert the office for zero-employment households past the deadline and propose public-welfare posts
    (day and now come from the caller's clock, so a test can move past the deadline)."""
    at = now or CLOCK.now()
    s = get_settings()
    alerted = []
    for hh in repo.households_due(session):
        assert hh.zero_employment_since is not None
        days = working_days(hh.zero_employment_since, day)
        if days < s.zero_employment_deadline_days:
            continue
        profile = HouseholdProfile(
            household_id=hh.household_id,
            site_id=hh.site_id,
            zero_employment=True,
            zero_employment_since=hh.zero_employment_since,
            monitoring=state.workers.households.get(
                hh.household_id, HouseholdProfile(hh.household_id)
            ).monitoring,
            version=hh.version,
        )
        proposed: list[uuid.UUID] = []
        for worker in state.workers.workers_of_household(hh.household_id):
            if (
                not worker.active
                or worker.employment_status == EmploymentStatus.employed
                or worker.worker_id in state.no_auto
            ):
                continue
            ranked = state.jobs.rank_for_worker(
                worker,
                profile,
                day,
                limit=1,
                exclude=repo.matched_jobs(session, worker.worker_id, cooldown_start()),
                kinds=[EmployerKind.public_welfare],
            )
            for r in ranked:
                job = state.jobs.get(r.job_id)
                if job is not None and create_match(session, job, r, note="zero-employment deadline"):
                    proposed.append(job.job_id)
        site = hh.site_id or next(
            (w.site_id for w in state.workers.workers_of_household(hh.household_id)), None
        )
        if site is None:
            continue
        data = ZeroEmploymentAlertedData(
            household_id=hh.household_id,
            site_id=site,
            zero_employment_since=hh.zero_employment_since,
            working_days=days,
            proposed_job_ids=proposed,
        )
        emit(session, ZeroEmploymentAlerted.build(data, subject=hh.household_id))
        hh.alerted_since = hh.zero_employment_since
        hh.alerted_at = at
        session.add(hh)
        alerted.append(hh.household_id)
    return alerted


class ZeroEmploymentTicker(PeriodicTask):
    """Checks zero-employment deadlines on a timer (replica safe: households are locked SKIP LOCKED)."""

    def __init__(self, engine: Engine, state: MatchingState, clock: Clock = CLOCK) -> None:
        super().__init__(
            "zero-employment",
            get_settings().zero_check_seconds,
            failed_event="matching.zero_employment_check_failed",
        )
        self.engine = engine
        self.state = state
        self.clock = clock

    def tick(self) -> int:
        """One check as of today in the service's time zone, by this ticker's clock."""
        now = self.clock.now()
        day = self.clock.today(get_settings().timezone)
        with session_scope(self.engine) as session:
            return len(check_zero_employment(session, self.state, day, now))

    def done(self, count: int) -> None:
        """Log the alerts."""
        log.info("matching.zero_employment_alerted", households=count)
