"""Sending an SMS: enqueueing, quiet hours and backoff, the submit outcome, in-doubt recovery, delivery
reports and resends. Functions take a session and never commit."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis
from anju_common.errors import NotFoundError
from anju_common.events import (
    Event,
    NotificationDelivered,
    NotificationDeliveredData,
    NotificationFailed,
    NotificationFailedData,
    NotificationSent,
    NotificationSentData,
)
from anju_common.inbox import inbox_checked
from anju_common.logs import get_logger
from anju_common.pii import mask_phone
from anju_common.principal import Principal
from anju_common.problems import Problem
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from notifications import repository as repo
from notifications.config import get_settings
from notifications.feed import add_feed_item
from notifications.models import Notification, NotificationStatus, emit
from notifications.phones import PHONE_CONTEXT, hash_phone
from notifications.providers.base import Receipt, Rejected, SubmitOutcome, Submitted

log = get_logger(__name__)


def _hm(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet period now falls in (UTC), or None when sending is allowed."""
    settings = get_settings()
    start, end = _hm(settings.quiet_start), _hm(settings.quiet_end)
    if start == end:
        return None
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(now.tzinfo)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff, capped."""
    settings = get_settings()
    seconds = settings.retry_base_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.retry_max_seconds))


def enqueue(
    session: Session,
    ev: Event,
    template: str,
    params: dict[str, Any],
    now: datetime,
    *,
    worker_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    source_event_id: uuid.UUID | None = None,
    send_after: datetime | None = None,
    match_id: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
    job_id: uuid.UUID | None = None,
    training_id: uuid.UUID | None = None,
    placement_id: uuid.UUID | None = None,
    follow_up_id: uuid.UUID | None = None,
    departure_id: uuid.UUID | None = None,
) -> Notification | None:
    """Create the one notification of (event, worker), due now or at send_after; None when it exists.

    The ids name what the SMS refers to: the dispatcher checks they are still live before sending."""
    data: Any = ev.data
    worker = worker_id or data.worker_id
    source = source_event_id or ev.id
    # A batch that checked the inbox skips this query; the unique key still refuses a second row.
    if (source_event_id is not None or not inbox_checked(session)) and repo.find_notification(
        session, source, worker
    ):
        return None
    note = Notification(
        source_event_id=source,
        source_event_type=ev.type,
        worker_id=worker,
        site_id=site_id or getattr(data, "site_id", None),
        household_id=household_id or getattr(data, "household_id", None),
        template=template,
        params=params,
        due_at=max(now, send_after) if send_after else now,
        send_after=send_after,
        status_reason="scheduled" if send_after and send_after > now else None,
        created_at=now,
        updated_at=now,
        match_id=match_id,
        offer_id=offer_id,
        job_id=job_id,
        training_id=training_id,
        placement_id=placement_id,
        follow_up_id=follow_up_id,
        departure_id=departure_id,
    )
    session.add(note)  # opt-outs are checked by the dispatcher, once per batch
    return note


def defer(note: Notification, until: datetime, reason: str, now: datetime) -> None:
    """Leave a notification pending until later (quiet hours, rate limits, contact lookups)."""
    note.due_at = until
    note.status_reason = reason
    note.updated_at = now


def skip(note: Notification, reason: str, now: datetime) -> None:
    """Do not send, for good (no consent, opted out, unknown worker)."""
    note.status = NotificationStatus.skipped
    note.status_reason = reason
    note.updated_at = now


def mark_submitting(note: Notification, phone: str, now: datetime) -> None:
    """The last state before the provider sees it: committed first, so a crash leaves it in doubt."""
    note.status = NotificationStatus.submitting
    note.provider = get_settings().provider
    note.attempts += 1
    note.lease_until = now + timedelta(seconds=get_settings().submit_lease_seconds)
    note.submitted_at = now
    note.updated_at = now
    note.phone_enc = get_settings().cipher().encrypt(phone, context=PHONE_CONTEXT)
    note.phone_hash = hash_phone(phone)
    note.phone_masked = mask_phone(phone)
    if not note.in_doubt:  # keep the in-doubt record on the resend
        note.status_reason = None


def record_outcome(
    session: Session, note: Notification, outcome: SubmitOutcome, provider: str, now: datetime
) -> None:
    """What the provider said about one submit."""
    if note.status not in (
        NotificationStatus.submitting,
        NotificationStatus.pending,
        NotificationStatus.in_doubt,
    ):
        log.warning("notification.late_outcome", notification_id=str(note.id), status=note.status.value)
        return
    note.lease_until = None
    note.updated_at = now
    note.provider = provider
    if isinstance(outcome, Submitted):
        note.status = NotificationStatus.sent
        note.sent_at = now
        note.segments = outcome.segments
        note.provider_message_id = outcome.message_ids[0] if outcome.message_ids else None
        note.error_code = None
        repo.add_parts(session, note.id, outcome.message_ids)
        emit(
            session,
            NotificationSent.build(
                NotificationSentData(
                    notification_id=note.id,
                    worker_id=note.worker_id,
                    template=note.template,
                    provider=provider,
                    provider_message_id=note.provider_message_id,
                    segments=outcome.segments,
                    source_event_id=note.source_event_id,
                    match_id=note.match_id,
                    offer_id=note.offer_id,
                    site_id=note.site_id,
                ),
                subject=note.worker_id,
            ),
        )
        return
    assert isinstance(outcome, Rejected)
    note.error_code = outcome.code[:100]
    if outcome.permanent:
        fail(session, note, outcome.code, permanent=True, now=now)
        return
    if outcome.maybe_sent:
        mark_in_doubt(note, f"in doubt: {outcome.code}", now)
        return
    if note.attempts >= get_settings().max_attempts:
        fail(session, note, outcome.code, permanent=False, now=now)
        return
    note.status = NotificationStatus.pending
    defer(note, now + backoff(note.attempts), f"retry after {outcome.code}", now)


def mark_in_doubt(note: Notification, reason: str, now: datetime) -> None:
    """Record that the provider may have the message; then resend once or hold, by policy."""
    note.in_doubt = True
    note.in_doubt_at = now
    note.in_doubt_reason = reason[:200]  # stays when later steps (contact lookup, limits) reuse status_reason
    note.lease_until = None
    note.status_reason = reason[:200]
    note.updated_at = now
    if get_settings().in_doubt_policy == "resend" and note.attempts < get_settings().max_attempts:
        note.status = NotificationStatus.pending
        note.due_at = now
    else:
        note.status = NotificationStatus.in_doubt


def _accepted_key(notification_id: uuid.UUID) -> str:
    return f"{get_settings().topic_prefix}notif:accepted:{notification_id}"


def remember_accepted(
    client: redis.Redis[bytes], notification_id: uuid.UUID, attempt: int, outcome: Submitted
) -> None:
    """Note in Redis, the moment the provider accepts, that this attempt went out (before the DB knows)."""
    value = json.dumps({"attempt": attempt, "ids": outcome.message_ids, "segments": outcome.segments})
    client.set(_accepted_key(notification_id), value, ex=7 * 86400)


def recall_accepted(client: redis.Redis[bytes], note: Notification) -> Submitted | None:
    """The provider's acceptance of the notification's current attempt, if Redis saw it."""
    raw = client.get(_accepted_key(note.id))
    if raw is None:
        return None
    value = json.loads(raw)
    if value.get("attempt") != note.attempts:
        return None
    return Submitted(message_ids=[str(i) for i in value["ids"]], segments=int(value["segments"]))


def recover_in_doubt(session: Session, client: redis.Redis[bytes], now: datetime) -> int:
    """Submits whose process died mid-flight: sent if Redis saw the provider accept them, else recorded as
    in doubt and handled by policy."""
    rows = repo.expired_submits(session, now)
    for note in rows:
        accepted = recall_accepted(client, note)
        if accepted is not None:
            record_outcome(session, note, accepted, note.provider or get_settings().provider, now)
            log.info("notification.recovered_as_sent", notification_id=str(note.id))
            continue
        mark_in_doubt(note, "in doubt: submit interrupted (process stopped or link lost)", now)
        log.warning(
            "notification.in_doubt", notification_id=str(note.id), policy=get_settings().in_doubt_policy
        )
    return len(rows)


def fail(session: Session, note: Notification, code: str, *, permanent: bool, now: datetime) -> None:
    """The SMS will not be delivered: recorded with the provider's code and told to others and the office."""
    note.status = NotificationStatus.failed
    note.failed_at = now
    note.error_code = code[:100]
    note.updated_at = now
    emit(
        session,
        NotificationFailed.build(
            NotificationFailedData(
                notification_id=note.id, worker_id=note.worker_id, error_code=code, permanent=permanent
            ),
            subject=note.worker_id,
        ),
    )
    if note.site_id is not None:
        add_feed_item(
            session,
            site_id=note.site_id,
            kind="sms_failed",
            title="短信发送失败，请电话联系 / SMS could not be delivered, please call",
            payload={
                "notification_id": str(note.id),
                "worker_id": str(note.worker_id),
                "template": note.template,
                "error_code": code,
            },
            now=now,
        )


def apply_receipt(
    session: Session, receipt: Receipt, now: datetime, note: Notification | None = None
) -> Notification | None:
    """A delivery report: delivered or failed; None when the message id is unknown."""
    if note is None:
        note = repo.notification_for_message(session, receipt.message_id)
    if note is None:
        return None
    if note.status in (NotificationStatus.delivered, NotificationStatus.failed):
        return note
    if receipt.delivered:
        note.status = NotificationStatus.delivered
        note.delivered_at = now
        note.updated_at = now
        emit(
            session,
            NotificationDelivered.build(
                NotificationDeliveredData(
                    notification_id=note.id, worker_id=note.worker_id, provider_message_id=receipt.message_id
                ),
                subject=note.worker_id,
            ),
        )
    else:
        fail(session, note, receipt.code or "undelivered", permanent=True, now=now)
    return note


def resend(session: Session, notification_id: uuid.UUID, principal: Principal, now: datetime) -> Notification:
    """A new notification with the same content (its own idempotency key); refused after an opt-out."""
    original = repo.get_notification(session, notification_id, principal)
    if original is None:
        raise NotFoundError("notification", notification_id)
    if repo.is_opted_out(session, original.worker_id, original.phone_hash):
        raise Problem(409, "the worker opted out of SMS; nothing is sent", code="opted-out")
    copy = Notification(
        source_event_id=uuid.uuid4(),
        source_event_type="resend",
        worker_id=original.worker_id,
        site_id=original.site_id,
        household_id=original.household_id,
        match_id=original.match_id,
        offer_id=original.offer_id,
        job_id=original.job_id,
        training_id=original.training_id,
        placement_id=original.placement_id,
        follow_up_id=original.follow_up_id,
        departure_id=original.departure_id,
        template=original.template,
        params=dict(original.params),
        resend_of=original.id,
        due_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(copy)
    try:
        session.flush()
    except IntegrityError as exc:  # pragma: no cover - a fresh uuid never collides
        raise Problem(409, "resend conflicted; try again", code="conflict") from exc
    return copy
