"""Follow-ups of placements: scheduled at month offsets after the start, falling due and going overdue on a
timer (the kit clock, so tests move it), answered by the worker's SMS reply or recorded by staff."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from anju_common.background import PeriodicTask
from anju_common.clock import utcnow
from anju_common.db import session_scope
from anju_common.errors import ConflictError, NotFoundError
from anju_common.events import (
    FollowUpData,
    FollowUpFellDue,
    FollowUpRecorded,
    FollowUpWentOverdue,
    ReplyKind,
    WorkerRepliedData,
)
from anju_common.logs import get_logger
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlalchemy import Engine
from sqlmodel import Session

from workers import alerts, placements
from workers import placement_repository as prepo
from workers import repository as repo
from workers.config import get_settings, today
from workers.employment import change_employment
from workers.models import FollowUp, Placement, emit
from workers.schemas import FollowUpRecordIn

log = get_logger(__name__)
BATCH = 500
REPLY_OUTCOMES = {
    ReplyKind.on_job: "on_job",
    ReplyKind.left_job: "left",
    ReplyKind.wages_unpaid: "wage_arrears",
}


# ------------------------------------------------------------------ date arithmetic
def add_months(start: date, months: int) -> date:
    """The same day of the month N months later, or the month's last day when it is shorter (31 Jan + 1
    month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_dates(started_on: date, offsets: Iterable[int]) -> list[tuple[int, date]]:
    """(month offset, due date) of each follow-up of a placement, in order, without repeats."""
    return [(n, add_months(started_on, n)) for n in sorted(set(offsets)) if n > 0]


def overdue_from(fell_due_on: date, days: int) -> date:
    """The day an unanswered follow-up goes overdue."""
    return fell_due_on + timedelta(days=days)


# ------------------------------------------------------------------ rows and events
def follow_up_data(f: FollowUp, p: Placement) -> FollowUpData:
    """Event payload of a follow-up (with what the check-in SMS names: employer and job)."""
    return FollowUpData(
        follow_up_id=f.id,
        placement_id=f.placement_id,
        worker_id=f.worker_id,
        household_id=f.household_id,
        site_id=f.site_id,
        due_on=f.due_on,
        month_offset=f.month_offset,
        employer_name=p.employer_name,
        job_title=p.job_title,
        status=f.status,  # type: ignore[arg-type]
        outcome=f.outcome,  # type: ignore[arg-type]
        channel=f.channel,  # type: ignore[arg-type]
    )


def _new(p: Placement, month_offset: int, due_on: date) -> FollowUp:
    return FollowUp(
        placement_id=p.id,
        worker_id=p.worker_id,
        household_id=p.household_id,
        site_id=p.site_id,
        month_offset=month_offset,
        due_on=due_on,
    )


def schedule(session: Session, p: Placement) -> list[FollowUp]:
    """The follow-ups of a new placement at the configured offsets."""
    rows = [_new(p, n, due) for n, due in due_dates(p.started_on, get_settings().follow_up_offsets_months)]
    for row in rows:
        prepo.save(session, row)
    session.flush()
    return rows


def reschedule(session: Session, p: Placement) -> None:
    """After the start date changed: move the follow-ups that have not fallen due yet."""
    for f in prepo.open_follow_ups(session, p.id):
        if f.status == "scheduled" and f.month_offset > 0:
            f.due_on = add_months(p.started_on, f.month_offset)
            bump(session, f, flush=False)
    session.flush()


def cancel_open(session: Session, p: Placement) -> None:
    """The placement ended: its open follow-ups will not be asked."""
    for f in prepo.open_follow_ups(session, p.id):
        f.status = "cancelled"
        bump(session, f, flush=False)
    session.flush()


# ------------------------------------------------------------------ timer
def fall_due(session: Session, on: date) -> int:
    """Scheduled follow-ups due by this day fall due: FollowUpFellDue (the check-in SMS)."""
    rows = prepo.falling_due(session, on, BATCH)
    for f in rows:
        p = prepo.get_placement(session, f.placement_id)
        assert p is not None
        f.status, f.fell_due_on = "due", on
        bump(session, f)
        emit(session, FollowUpFellDue.build(follow_up_data(f, p), subject=p.id))
    return len(rows)


def go_overdue(session: Session, on: date) -> int:
    """Follow-ups unanswered for the configured days go overdue: FollowUpWentOverdue (an office task)."""
    days = get_settings().follow_up_overdue_days
    rows = prepo.going_overdue(session, on - timedelta(days=days), BATCH)
    for f in rows:
        p = prepo.get_placement(session, f.placement_id)
        assert p is not None
        f.status, f.outcome = "overdue", "no_reply"
        bump(session, f)
        emit(session, FollowUpWentOverdue.build(follow_up_data(f, p), subject=p.id))
    return len(rows)


class FollowUpTicker(PeriodicTask):
    """Moves follow-ups (due, overdue) and checks month-on-month employment drops every few seconds."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(
            "follow-ups", get_settings().follow_up_check_seconds, failed_event="workers.follow_up_tick_failed"
        )
        self.engine = engine

    def tick(self) -> int:
        """One round as of today in the offices' time zone, one transaction per step."""
        on, done = today(), 0
        for step in (fall_due, go_overdue):
            while True:
                with session_scope(self.engine) as session:
                    n = step(session, on)
                done += n
                if n < BATCH:
                    break
        with session_scope(self.engine) as session:
            done += alerts.check_employment_drops(session, on)
        return done

    def done(self, count: int) -> None:
        """Log the round."""
        log.info("workers.follow_ups_moved", count=count)


# ------------------------------------------------------------------ answers
def record(
    session: Session,
    f: FollowUp,
    p: Placement,
    outcome: str,
    channel: str,
    note: str | None,
    actor: str,
    request_id: str | None,
) -> None:
    """Record a follow-up's answer: FollowUpRecorded; left ends the placement (worker unemployed, household
    recounted); unpaid wages are a risk signal (employment.changed wage_arrears) and an office alert."""
    on = today()
    f.status, f.outcome, f.channel, f.note = "done", outcome, channel, note
    f.recorded_by, f.recorded_at = actor, utcnow()
    bump(session, f)
    emit(session, FollowUpRecorded.build(follow_up_data(f, p), subject=p.id, request_id=request_id))
    if outcome == "left":
        placements.end_placement(session, p, "left", max(on, p.started_on), note, request_id)
    elif outcome == "wage_arrears":
        worker = repo.get_worker(session, p.worker_id, for_update=True)
        if worker is not None and worker.active:
            change_employment(
                session,
                worker,
                worker.employment_status,
                "wage_arrears",
                job_id=worker.current_job_id,
                match_id=p.match_id,
                request_id=request_id,
            )
        alerts.wage_arrears(session, p, f.id, on, request_id)


def on_worker_replied(session: Session, data: WorkerRepliedData) -> None:
    """A digit answering a check-in SMS (1 on the job, 2 left, 3 wages unpaid); repeats change nothing."""
    outcome = REPLY_OUTCOMES.get(data.reply)
    if outcome is None or data.follow_up_id is None:
        return
    f = prepo.get_follow_up(session, data.follow_up_id, for_update=True)
    if f is None or f.worker_id != data.worker_id or f.status not in prepo.OPEN_FOLLOW_UP:
        return
    p = prepo.get_placement(session, f.placement_id, for_update=True)
    if p is None or p.status != "active":
        return
    record(session, f, p, outcome, "sms", None, "worker:sms", None)


def record_by_staff(
    session: Session,
    placement_id: uuid.UUID,
    body: FollowUpRecordIn,
    principal: Principal,
    request_id: str | None,
) -> FollowUp:
    """Staff reached the worker by phone or visit: the named follow-up, else the earliest open one that is
    due, else a check outside the schedule, is recorded."""
    p = placements.get_placement(session, placement_id, principal, for_update=True)
    if p.status != "active":
        raise ConflictError("the placement has already ended")
    on = today()
    open_rows = prepo.open_follow_ups(session, p.id)
    if body.follow_up_id is not None:
        found = [f for f in open_rows if f.id == body.follow_up_id]
        if not found:
            if prepo.get_follow_up(session, body.follow_up_id) is None:
                raise NotFoundError("follow-up", body.follow_up_id)
            raise ConflictError("the follow-up is not open for this placement")
        f = found[0]
    else:
        due = [f for f in open_rows if f.due_on <= on]
        if due:
            f = due[0]
        else:
            f = _new(p, 0, on)
            prepo.save(session, f)
            session.flush()
    record(session, f, p, body.outcome, body.channel, body.note, principal.sub, request_id)
    return f
