"""Scheduled messages: the pre-departure SMS the day before a departure and the arrival check-in the day
after the arrival, one per worker on the roster, kept in step with the departure. Functions never commit."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from anju_common.events import DepartureCancelled, DepartureScheduled
from sqlmodel import Session

from notifications import liveness, sending
from notifications import repository as repo
from notifications.config import get_settings
from notifications.models import Notification, NotificationStatus
from notifications.templates import when_text

_NAMESPACE = uuid.UUID("6b1f3a52-3d5e-4f0e-9a4b-2c7d8e9f0a1b")


def local_at(day: date, hm: str) -> datetime:
    """A local wall-clock time on a day, as an aware datetime."""
    hours, _, minutes = hm.partition(":")
    return datetime.combine(
        day, time(int(hours), int(minutes or 0)), tzinfo=ZoneInfo(get_settings().timezone)
    )


def departure_key(departure_id: uuid.UUID, template: str) -> uuid.UUID:
    """The stable idempotency key of a departure's message of one kind (one row per worker, updated)."""
    return uuid.uuid5(_NAMESPACE, f"{departure_id}:{template}")


def departure_times(departs_at: datetime, arrives_on: date | None) -> tuple[datetime, datetime]:
    """When the pre-departure SMS and the arrival check-in are due."""
    s = get_settings()
    tz = ZoneInfo(s.timezone)
    departs_local = departs_at.astimezone(tz)
    before = local_at(departs_local.date() - timedelta(days=1), s.pre_departure_time)
    arrival_day = arrives_on or departs_local.date()
    after = local_at(arrival_day + timedelta(days=1), s.arrival_check_time)
    return before, after


def _revive_or_update(note: Notification, params: dict[str, str], due: datetime, now: datetime) -> None:
    if note.status == NotificationStatus.cancelled and note.status_reason in (
        "removed_from_departure",
        "departure_cancelled",
    ):
        note.status = NotificationStatus.pending
    if note.status != NotificationStatus.pending:
        return  # already sent (or for good skipped): a change after the send is the office's to phone
    note.params = params
    note.send_after = due
    note.due_at = max(now, due)
    note.status_reason = "scheduled" if due > now else None
    note.updated_at = now


def schedule_departure(session: Session, ev: DepartureScheduled, now: datetime) -> None:
    """Create or update each roster worker's two messages; cancel those of workers no longer on it."""
    d = ev.data
    state = liveness.record(session, "departure", d.departure_id, d.status, now, version=d.version)
    if state is None:
        return  # an older version than one already applied
    existing = repo.notifications_of_departure(session, d.departure_id)
    if d.status == "cancelled":
        liveness.cancel_stale(session, existing, now)
        return
    roster = set(d.worker_ids)
    for note in existing:
        if note.worker_id not in roster and note.status in repo.CANCELLABLE:
            liveness.cancel(note, "removed_from_departure", now)
    tz = ZoneInfo(get_settings().timezone)
    before, after = departure_times(d.departs_at, d.arrives_on)
    plans: list[tuple[str, datetime, dict[str, str]]] = [
        (
            "arrival_check",
            after,
            {"destination": d.destination},
        )
    ]
    if d.departs_at > now:
        when = when_text(d.departs_at.astimezone(tz))
        plans.insert(
            0,
            (
                "pre_departure",
                before,
                {"when": when, "meeting": d.meeting_point, "destination": d.destination},
            ),
        )
    by_key = {(n.source_event_id, n.worker_id): n for n in existing}
    for template, due, params in plans:
        key = departure_key(d.departure_id, template)
        for worker_id in d.worker_ids:
            found = by_key.get((key, worker_id))
            if found is not None:
                _revive_or_update(found, params, due, now)
                if template == "pre_departure" and found.status in repo.HANDED_OVER:
                    _correct(session, ev, existing, worker_id, params, now)
                continue
            sending.enqueue(
                session,
                ev,
                template,
                params,
                now,
                worker_id=worker_id,
                site_id=d.site_id,
                source_event_id=key,
                send_after=due,
                departure_id=d.departure_id,
            )
    session.flush()  # a later event of the same batch (no autoflush) must find these rows


_TOLD = ("pre_departure", "departure_changed")
_TOLD_PARAMS = ("when", "meeting", "destination")


def _told(existing: list[Notification], worker_id: uuid.UUID) -> Notification | None:
    """The latest time-and-place SMS a worker was sent (the pre-departure one or a correction)."""
    sent = [
        n
        for n in existing
        if n.worker_id == worker_id and n.template in _TOLD and n.status in repo.HANDED_OVER
    ]
    return max(sent, key=lambda n: n.created_at) if sent else None


def _correct(
    session: Session,
    ev: DepartureScheduled,
    existing: list[Notification],
    worker_id: uuid.UUID,
    params: dict[str, str],
    now: datetime,
) -> None:
    """A worker already told the time and place is told the new ones at once (once per version)."""
    last = _told(existing, worker_id)
    if last is None or all(last.params.get(k) == params[k] for k in _TOLD_PARAMS):
        return
    d = ev.data
    sending.enqueue(
        session,
        ev,
        "departure_changed",
        params,
        now,
        worker_id=worker_id,
        site_id=d.site_id,
        source_event_id=departure_key(d.departure_id, f"departure_changed:{d.version}"),
        departure_id=d.departure_id,
    )


def cancel_departure(session: Session, ev: DepartureCancelled, now: datetime) -> None:
    """The departure is off: everything still waiting for it is cancelled, and whoever was already told
    when and where to meet is told not to come (while the departure is still ahead)."""
    d = ev.data
    liveness.record(session, "departure", d.departure_id, "cancelled", now)  # a cancel always wins
    existing = repo.notifications_of_departure(session, d.departure_id)
    liveness.cancel_stale(session, existing, now)
    if d.departs_at <= now:
        return
    tz = ZoneInfo(get_settings().timezone)
    params = {"when": when_text(d.departs_at.astimezone(tz)), "destination": d.destination}
    for worker_id in sorted({n.worker_id for n in existing if n.worker_id is not None}, key=str):
        if _told(existing, worker_id) is None:
            continue
        sending.enqueue(
            session,
            ev,
            "departure_called_off",
            params,
            now,
            worker_id=worker_id,
            site_id=d.site_id,
            source_event_id=departure_key(d.departure_id, "departure_called_off"),
            departure_id=d.departure_id,
        )
