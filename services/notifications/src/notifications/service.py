"""Business rules of the notifications service; functions take a session and never commit."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis
from anju_common.crypto import FieldCipher
from anju_common.events import (
    Event,
    MatchProposed,
    MatchStatusChanged,
    NotificationDelivered,
    NotificationDeliveredData,
    NotificationFailed,
    NotificationFailedData,
    NotificationSent,
    NotificationSentData,
    ReplyKind,
    TrainingOffered,
    WorkerOptedOut,
    WorkerOptedOutData,
    WorkerReplied,
    WorkerRepliedData,
)
from anju_common.logs import get_logger
from anju_common.outbox import record_event
from anju_common.pii import mask_phone, redact_text
from anju_common.principal import Principal
from anju_common.problems import Problem
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from notifications import repository as repo
from notifications.config import NotificationsSettings
from notifications.models import (
    FeedItem,
    InboundMessage,
    Notification,
    NotificationStatus,
    OptOut,
    WebhookDelivery,
    WebhookSubscription,
    event_tables,
)
from notifications.providers.base import Inbound, Receipt, Rejected, SubmitOutcome, Submitted
from notifications.replies import parse_reply

log = get_logger(__name__)
PHONE_CONTEXT = "phone"
_OUTBOX_BUFFER = "notifications_outbox_buffer"
INBOX_CHECKED = "notifications_inbox_checked"
SECRET_CONTEXT = "webhook-secret"  # noqa: S105 (an encryption context label)


@dataclass(frozen=True)
class Context:
    """What business functions need besides the session."""

    settings: NotificationsSettings
    cipher: FieldCipher
    redis: redis.Redis[bytes]

    def emit(self, session: Session, ev: Event) -> None:
        """Publish through the outbox, in the caller's transaction (batched inside buffered_events)."""
        buffer = session.info.get(_OUTBOX_BUFFER)
        if buffer is None:
            record_event(session, event_tables, ev, topic_prefix=self.settings.topic_prefix)
        else:
            buffer.append(ev)

    @contextmanager
    def buffered_events(self, session: Session) -> Iterator[None]:
        """Collect the events emitted inside and write them as one multi-row outbox insert at the end."""
        buffer: list[Event] = []
        session.info[_OUTBOX_BUFFER] = buffer
        try:
            yield
        finally:
            session.info.pop(_OUTBOX_BUFFER, None)
        if buffer:
            now = datetime.now(UTC)
            rows = [
                {
                    "event_id": str(ev.id),
                    "topic": f"{self.settings.topic_prefix}{ev.topic()}",
                    "key": ev.subject,
                    "event_type": ev.type,
                    "payload": ev.to_json().decode(),
                    "created_at": now,
                    "attempts": 0,
                }
                for ev in buffer
            ]
            session.execute(insert(event_tables.outbox), rows)
            session.info["anju_outbox_dirty"] = True  # wakes the relay after commit

    def phone_hash(self, phone: str) -> str:
        """Keyed hash of an E.164 number (matches replies without decrypting)."""
        return self.cipher.blind_index(phone, context=PHONE_CONTEXT)


# ------------------------------------------------------------------ quiet hours
def _hm(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


def quiet_until(settings: NotificationsSettings, now: datetime) -> datetime | None:
    """The end of the quiet period now falls in (UTC), or None when sending is allowed."""
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


def backoff(settings: NotificationsSettings, attempts: int) -> timedelta:
    """Exponential backoff, capped."""
    seconds = settings.retry_base_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.retry_max_seconds))


# ------------------------------------------------------------------ enqueueing (consumers)
def enqueue(
    session: Session,
    ctx: Context,
    ev: MatchProposed | TrainingOffered | MatchStatusChanged,
    template: str,
    params: dict[str, Any],
    now: datetime,
    *,
    match_id: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
) -> Notification | None:
    """Create the one notification of (event, worker); None when it exists already."""
    source_event_id, worker_id = ev.id, ev.data.worker_id
    # A batch that checked the inbox skips this query; the unique key still refuses a second row.
    if not session.info.get(INBOX_CHECKED) and repo.find_notification(session, source_event_id, worker_id):
        return None
    note = Notification(
        source_event_id=source_event_id,
        source_event_type=ev.type,
        worker_id=worker_id,
        site_id=ev.data.site_id,
        household_id=ev.data.household_id,
        match_id=match_id,
        offer_id=offer_id,
        template=template,
        params=params,
        due_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(note)  # opt-outs are checked by the dispatcher, once per batch
    return note


# ------------------------------------------------------------------ dispatching
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


def mark_submitting(ctx: Context, note: Notification, phone: str, now: datetime) -> None:
    """The last state before the provider sees it: committed first, so a crash leaves it in doubt."""
    note.status = NotificationStatus.submitting
    note.provider = ctx.settings.provider
    note.attempts += 1
    note.lease_until = now + timedelta(seconds=ctx.settings.submit_lease_seconds)
    note.submitted_at = now
    note.updated_at = now
    note.phone_enc = ctx.cipher.encrypt(phone, context=PHONE_CONTEXT)
    note.phone_hash = ctx.phone_hash(phone)
    note.phone_masked = mask_phone(phone)
    if not note.in_doubt:  # keep the in-doubt record on the resend
        note.status_reason = None


def record_outcome(
    session: Session, ctx: Context, note: Notification, outcome: SubmitOutcome, provider: str, now: datetime
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
        ctx.emit(
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
        fail(session, ctx, note, outcome.code, permanent=True, now=now)
        return
    if outcome.maybe_sent:
        mark_in_doubt(ctx, note, f"in doubt: {outcome.code}", now)
        return
    if note.attempts >= ctx.settings.max_attempts:
        fail(session, ctx, note, outcome.code, permanent=False, now=now)
        return
    note.status = NotificationStatus.pending
    defer(note, now + backoff(ctx.settings, note.attempts), f"retry after {outcome.code}", now)


def mark_in_doubt(ctx: Context, note: Notification, reason: str, now: datetime) -> None:
    """Record that the provider may have the message; then resend once or hold, by policy."""
    note.in_doubt = True
    note.in_doubt_at = now
    note.lease_until = None
    note.status_reason = reason[:200]
    note.updated_at = now
    if ctx.settings.in_doubt_policy == "resend" and note.attempts < ctx.settings.max_attempts:
        note.status = NotificationStatus.pending
        note.due_at = now
    else:
        note.status = NotificationStatus.in_doubt


def _accepted_key(ctx: Context, notification_id: uuid.UUID) -> str:
    return f"{ctx.settings.topic_prefix}notif:accepted:{notification_id}"


def remember_accepted(ctx: Context, notification_id: uuid.UUID, attempt: int, outcome: Submitted) -> None:
    """Note in Redis, the moment the provider accepts, that this attempt went out (before the DB knows)."""
    value = json.dumps({"attempt": attempt, "ids": outcome.message_ids, "segments": outcome.segments})
    ctx.redis.set(_accepted_key(ctx, notification_id), value, ex=7 * 86400)


def recall_accepted(ctx: Context, note: Notification) -> Submitted | None:
    """The provider's acceptance of the notification's current attempt, if Redis saw it."""
    raw = ctx.redis.get(_accepted_key(ctx, note.id))
    if raw is None:
        return None
    value = json.loads(raw)
    if value.get("attempt") != note.attempts:
        return None
    return Submitted(message_ids=[str(i) for i in value["ids"]], segments=int(value["segments"]))


def recover_in_doubt(session: Session, ctx: Context, now: datetime) -> int:
    """Submits whose process died mid-flight: sent if Redis saw the provider accept them, else recorded as
    in doubt and handled by policy."""
    rows = repo.expired_submits(session, now)
    for note in rows:
        accepted = recall_accepted(ctx, note)
        if accepted is not None:
            record_outcome(session, ctx, note, accepted, note.provider or ctx.settings.provider, now)
            log.info("notification.recovered_as_sent", notification_id=str(note.id))
            continue
        mark_in_doubt(ctx, note, "in doubt: submit interrupted (process stopped or link lost)", now)
        log.warning(
            "notification.in_doubt", notification_id=str(note.id), policy=ctx.settings.in_doubt_policy
        )
    return len(rows)


def fail(
    session: Session, ctx: Context, note: Notification, code: str, *, permanent: bool, now: datetime
) -> None:
    """The SMS will not be delivered: recorded with the provider's code and told to others and the office."""
    note.status = NotificationStatus.failed
    note.failed_at = now
    note.error_code = code[:100]
    note.updated_at = now
    ctx.emit(
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
            ctx,
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


# ------------------------------------------------------------------ delivery reports
def apply_receipt(
    session: Session, ctx: Context, receipt: Receipt, now: datetime, note: Notification | None = None
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
        ctx.emit(
            session,
            NotificationDelivered.build(
                NotificationDeliveredData(
                    notification_id=note.id, worker_id=note.worker_id, provider_message_id=receipt.message_id
                ),
                subject=note.worker_id,
            ),
        )
    else:
        fail(session, ctx, note, receipt.code or "undelivered", permanent=True, now=now)
    return note


# ------------------------------------------------------------------ replies
def opt_out(
    session: Session, ctx: Context, *, worker_id: uuid.UUID | None, phone_hash: str | None, now: datetime
) -> None:
    """For good: remember the number and the worker, cancel what waits, tell the workers service."""
    if phone_hash is not None:
        known = bool(repo.opted_out_phones(session, [phone_hash]))
    else:
        known = repo.is_opted_out(session, worker_id, None)
    if not known:
        session.add(OptOut(phone_hash=phone_hash, worker_id=worker_id, created_at=now))
    repo.cancel_pending(session, worker_id, phone_hash, "opted_out", now)
    if worker_id is not None:
        ctx.emit(session, WorkerOptedOut.build(WorkerOptedOutData(worker_id=worker_id), subject=worker_id))


def handle_inbound(session: Session, ctx: Context, message: Inbound, now: datetime) -> InboundMessage | None:
    """A worker's SMS: opt-out, an answer to the latest offer, or something a person must read."""
    if repo.inbound_seen(session, message.provider, message.provider_message_id):
        return None
    phone_hash = ctx.phone_hash(message.phone)
    reply = parse_reply(message.text)
    offer = repo.latest_offer_for_phone(session, phone_hash)
    known = offer or repo.latest_for_phone(session, phone_hash)
    worker_id = known.worker_id if known else None
    site_id = known.site_id if known else None
    text = redact_text(message.text)[:1000]
    inbound = InboundMessage(
        provider=message.provider,
        provider_message_id=message.provider_message_id,
        phone_hash=phone_hash,
        phone_masked=mask_phone(message.phone),
        text=text,
        reply=reply.value,
        notification_id=offer.id if offer else None,
        worker_id=worker_id,
        site_id=site_id,
        received_at=now,
    )
    session.add(inbound)
    if reply == ReplyKind.opt_out:
        opt_out(session, ctx, worker_id=worker_id, phone_hash=phone_hash, now=now)
    elif reply != ReplyKind.unknown and offer is not None:
        offer.reply = reply.value
        offer.replied_at = now
        offer.updated_at = now
    else:
        reply = ReplyKind.unknown
        inbound.reply = reply.value
        if site_id is not None:
            add_feed_item(
                session,
                ctx,
                site_id=site_id,
                kind="unparsed_reply",
                title="村民回复无法识别，请人工查看 / A reply needs a person to read it",
                payload={
                    "worker_id": str(worker_id) if worker_id else None,
                    "notification_id": str(offer.id) if offer else None,
                    "text": text,
                    "from": mask_phone(message.phone),
                },
                now=now,
            )
    if worker_id is not None:
        ctx.emit(
            session,
            WorkerReplied.build(
                WorkerRepliedData(
                    worker_id=worker_id,
                    reply=reply,
                    match_id=offer.match_id if offer else None,
                    offer_id=offer.offer_id if offer else None,
                    notification_id=offer.id if offer else None,
                    site_id=site_id,
                ),
                subject=worker_id,
            ),
        )
    session.flush()
    return inbound


# ------------------------------------------------------------------ office feed and webhooks
def add_feed_item(
    session: Session,
    ctx: Context,
    *,
    site_id: uuid.UUID,
    kind: str,
    title: str,
    payload: dict[str, Any],
    now: datetime,
    source_event_id: uuid.UUID | None = None,
) -> FeedItem:
    """A feed item for the office, and a webhook delivery to each of its enabled subscriptions."""
    item = FeedItem(
        site_id=site_id,
        kind=kind,
        title=title,
        payload=payload,
        source_event_id=source_event_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    for sub in repo.active_subscriptions(session, site_id):
        session.add(
            WebhookDelivery(subscription_id=sub.id, feed_item_id=item.id, next_attempt_at=now, created_at=now)
        )
    return item


def create_subscription(
    session: Session, ctx: Context, site_id: uuid.UUID, url: str, description: str | None, now: datetime
) -> tuple[WebhookSubscription, str]:
    """A new webhook and its signing secret (shown once)."""
    secret = secrets.token_urlsafe(32)
    sub = WebhookSubscription(
        site_id=site_id,
        url=url,
        description=description,
        secret_enc=ctx.cipher.encrypt(secret, context=SECRET_CONTEXT),
        created_at=now,
        updated_at=now,
    )
    session.add(sub)
    session.flush()
    return sub, secret


def set_subscription_active(
    session: Session, site_id: uuid.UUID, subscription_id: uuid.UUID, active: bool, now: datetime
) -> WebhookSubscription:
    """Turn a webhook on (its failure count starts again) or off."""
    sub = repo.get_subscription(session, site_id, subscription_id)
    if sub is None:
        raise Problem(404, "webhook not found", code="not-found")
    sub.active = active
    sub.disabled_at = None if active else now
    if active:
        sub.consecutive_failures = 0
    sub.updated_at = now
    return sub


# ------------------------------------------------------------------ API actions
def resend(
    session: Session, ctx: Context, notification_id: uuid.UUID, principal: Principal, now: datetime
) -> Notification:
    """A new notification with the same content (its own idempotency key); refused after an opt-out."""
    original = repo.get_notification(session, notification_id, principal)
    if original is None:
        raise Problem(404, "notification not found", code="not-found")
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
