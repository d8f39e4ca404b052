"""All queries of the notifications service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anju_common.principal import Principal
from sqlalchemy import ColumnElement, func, or_, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from notifications.models import (
    DeliveryStatus,
    FeedItem,
    InboundMessage,
    Notification,
    NotificationStatus,
    OptOut,
    ReferentState,
    SmsPart,
    WebhookDelivery,
    WebhookSubscription,
)

OFFER_TEMPLATES = ("job_offer", "training_offer")
# Templates a reply can answer (a digit is read in the context of the latest one a number received).
ASKING_TEMPLATES = ("job_offer", "training_offer", "follow_up", "arrival_check")
_REFERENCE_COLUMNS = ("match_id", "job_id", "training_id", "placement_id", "follow_up_id", "departure_id")
_RECEIVED = (NotificationStatus.sent, NotificationStatus.delivered, NotificationStatus.submitting)
# Handed to the provider, or perhaps: the worker may have read it.
HANDED_OVER = (*_RECEIVED, NotificationStatus.in_doubt, NotificationStatus.unknown)
CANCELLABLE = (NotificationStatus.pending, NotificationStatus.in_doubt)


@dataclass(frozen=True)
class NotificationFilter:
    """Filters of GET /notifications."""

    worker_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    status: NotificationStatus | None = None
    in_doubt: bool | None = None


def site_scope(principal: Principal) -> ColumnElement[bool]:
    """Which notifications a principal may see: office staff only their sites'."""
    if principal.role in ("admin", "service"):
        return true()
    return col(Notification.site_id).in_(principal.site_ids)


# ------------------------------------------------------------------ notifications
def find_notification(
    session: Session, source_event_id: uuid.UUID, worker_id: uuid.UUID
) -> Notification | None:
    """The notification of one (event, worker), if any."""
    stmt = select(Notification).where(
        col(Notification.source_event_id) == source_event_id, col(Notification.worker_id) == worker_id
    )
    return session.exec(stmt).first()


def get_notification(
    session: Session,
    notification_id: uuid.UUID,
    principal: Principal | None = None,
    *,
    for_update: bool = False,
) -> Notification | None:
    """One notification, within the principal's scope when one is given."""
    stmt = select(Notification).where(col(Notification.id) == notification_id)
    if principal is not None:
        stmt = stmt.where(site_scope(principal))
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def lock_notifications(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Notification]:
    """Several notifications by id, locked for an update, in one query."""
    if not ids:
        return {}
    stmt = select(Notification).where(col(Notification.id).in_(list(ids))).with_for_update()
    return {n.id: n for n in session.exec(stmt)}


def claim_due(session: Session, now: datetime, limit: int) -> list[Notification]:
    """Pending notifications that are due, locked so no other dispatcher takes them."""
    stmt = (
        select(Notification)
        .where(col(Notification.status) == NotificationStatus.pending, col(Notification.due_at) <= now)
        .order_by(col(Notification.due_at), col(Notification.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt))


def expired_submits(session: Session, now: datetime, limit: int = 500) -> list[Notification]:
    """Submits whose lease ran out: their process died between 'submitting' and the provider's answer."""
    stmt = (
        select(Notification)
        .where(
            col(Notification.status) == NotificationStatus.submitting,
            col(Notification.lease_until) < now,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(stmt))


def list_notifications(
    session: Session,
    principal: Principal,
    flt: NotificationFilter,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Notification]:
    """Notifications in scope, newest first, keyset-paginated."""
    stmt = select(Notification).where(site_scope(principal))
    if flt.worker_id:
        stmt = stmt.where(col(Notification.worker_id) == flt.worker_id)
    if flt.site_id:
        stmt = stmt.where(col(Notification.site_id) == flt.site_id)
    if flt.status:
        stmt = stmt.where(col(Notification.status) == flt.status)
    if flt.in_doubt is not None:
        stmt = stmt.where(col(Notification.in_doubt) == flt.in_doubt)
    if after:
        created, ident = after
        stmt = stmt.where(
            or_(
                col(Notification.created_at) < created,
                (col(Notification.created_at) == created) & (col(Notification.id) < ident),
            )
        )
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)
    return list(session.exec(stmt))


def count_by_status(session: Session, principal: Principal, site_id: uuid.UUID | None) -> dict[str, int]:
    """How many notifications per status (and how many were in doubt), in scope."""
    stmt: Any = select(col(Notification.status), func.count()).where(site_scope(principal))
    if site_id:
        stmt = stmt.where(col(Notification.site_id) == site_id)
    counts = {
        str(getattr(s, "value", s)): int(n) for s, n in session.exec(stmt.group_by(col(Notification.status)))
    }
    doubt: Any = (
        select(func.count())
        .select_from(Notification)
        .where(site_scope(principal), col(Notification.in_doubt))
    )
    if site_id:
        doubt = doubt.where(col(Notification.site_id) == site_id)
    counts["in_doubt_recorded"] = int(session.exec(doubt).one())
    return counts


def latest_offer_for_phone(session: Session, phone_hash: str) -> Notification | None:
    """The offer a reply from this number answers: the latest unanswered one, else the latest."""
    base = select(Notification).where(
        col(Notification.phone_hash) == phone_hash,
        col(Notification.template).in_(OFFER_TEMPLATES),
        col(Notification.status).in_(
            (NotificationStatus.sent, NotificationStatus.delivered, NotificationStatus.submitting)
        ),
    )
    order = (col(Notification.sent_at).desc().nulls_last(), col(Notification.created_at).desc())
    found = session.exec(base.where(col(Notification.reply).is_(None)).order_by(*order).limit(1)).first()
    return found or session.exec(base.order_by(*order).limit(1)).first()


def latest_received_for_phone(session: Session, phone_hash: str) -> Notification | None:
    """The latest SMS this number received (or is receiving): the context its reply is read in."""
    stmt = (
        select(Notification)
        .where(col(Notification.phone_hash) == phone_hash, col(Notification.status).in_(_RECEIVED))
        .order_by(
            # in the order we handed them over: a reply can beat our own 'sent' record, and a late
            # provider answer must not move an older SMS ahead of the one the worker just read
            func.coalesce(col(Notification.submitted_at), col(Notification.sent_at)).desc().nulls_last(),
            col(Notification.created_at).desc(),
        )
        .limit(1)
    )
    return session.exec(stmt).first()


def latest_for_phone(session: Session, phone_hash: str) -> Notification | None:
    """Any notification sent to this number, latest first (to know whose number it is)."""
    stmt = (
        select(Notification)
        .where(col(Notification.phone_hash) == phone_hash)
        .order_by(col(Notification.created_at).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def cancel_pending(
    session: Session, worker_id: uuid.UUID | None, phone_hash: str | None, reason: str, now: datetime
) -> int:
    """Skip every not-yet-submitted notification of a worker or number."""
    conditions = []
    if worker_id is not None:
        conditions.append(col(Notification.worker_id) == worker_id)
    if phone_hash is not None:
        conditions.append(col(Notification.phone_hash) == phone_hash)
    if not conditions:
        return 0
    result: Any = session.execute(
        update(Notification)
        .where(col(Notification.status).in_(CANCELLABLE), or_(*conditions))
        .values(status=NotificationStatus.skipped, status_reason=reason, updated_at=now)
    )
    return int(result.rowcount or 0)


def waiting_referring_to(session: Session, column: str, ref_id: uuid.UUID) -> list[Notification]:
    """Notifications not yet submitted that refer to a match, job, course, placement, follow-up or
    departure (locked)."""
    if column not in _REFERENCE_COLUMNS:
        raise ValueError(column)
    stmt = (
        select(Notification)
        .where(col(getattr(Notification, column)) == ref_id, col(Notification.status).in_(CANCELLABLE))
        .with_for_update()
    )
    return list(session.exec(stmt))


def waiting_for_worker(
    session: Session, worker_id: uuid.UUID, templates: Sequence[str]
) -> list[Notification]:
    """A worker's not-yet-submitted notifications of some templates (locked)."""
    stmt = (
        select(Notification)
        .where(
            col(Notification.worker_id) == worker_id,
            col(Notification.template).in_(list(templates)),
            col(Notification.status).in_(CANCELLABLE),
        )
        .with_for_update()
    )
    return list(session.exec(stmt))


def notifications_of_departure(session: Session, departure_id: uuid.UUID) -> list[Notification]:
    """Every notification of a departure (pre-departure and arrival check-ins), locked."""
    stmt = select(Notification).where(col(Notification.departure_id) == departure_id).with_for_update()
    return list(session.exec(stmt))


# ------------------------------------------------------------------ what SMS refer to
def get_referent(session: Session, kind: str, ref_id: uuid.UUID) -> ReferentState | None:
    """The known state of one referent (locked for the update)."""
    stmt = select(ReferentState).where(col(ReferentState.kind) == kind, col(ReferentState.ref_id) == ref_id)
    return session.exec(stmt.with_for_update()).first()


def referents(
    session: Session, keys: set[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], ReferentState]:
    """The known states of several referents, in one query."""
    if not keys:
        return {}
    stmt = select(ReferentState).where(
        col(ReferentState.kind).in_({kind for kind, _ in keys}),
        col(ReferentState.ref_id).in_({ref for _, ref in keys}),
    )
    return {(s.kind, s.ref_id): s for s in session.exec(stmt) if (s.kind, s.ref_id) in keys}


def add_parts(session: Session, notification_id: uuid.UUID, message_ids: Sequence[str]) -> None:
    """Remember the provider's ids of each segment."""
    for message_id in dict.fromkeys(m for m in message_ids if m):
        session.add(SmsPart(provider_message_id=message_id, notification_id=notification_id))


def notifications_for_messages(session: Session, message_ids: Sequence[str]) -> dict[str, Notification]:
    """Provider message id -> its notification (locked), for a batch of receipts, in two queries."""
    if not message_ids:
        return {}
    parts = session.exec(
        select(SmsPart)
        .where(col(SmsPart.provider_message_id).in_(list(message_ids)))
        .order_by(col(SmsPart.id))
    )
    owner = {p.provider_message_id: p.notification_id for p in parts}  # the latest part wins
    notes = lock_notifications(session, list(set(owner.values())))
    return {mid: notes[nid] for mid, nid in owner.items() if nid in notes}


def sent_awaiting_receipt(session: Session, before: datetime, limit: int) -> list[Notification]:
    """Messages 'sent' before `before` with no receipt, not looked at since (oldest first); the file
    outbox never sends receipts."""
    stmt = (
        select(Notification)
        .where(
            col(Notification.status) == NotificationStatus.sent,
            col(Notification.sent_at) < before,
            col(Notification.updated_at) < before,
            col(Notification.provider) != "file",
        )
        .order_by(col(Notification.sent_at))
        .limit(limit)
    )
    return list(session.exec(stmt))


def notification_for_message(session: Session, message_id: str) -> Notification | None:
    """The notification a provider message id belongs to, locked for the update."""
    stmt = (
        select(SmsPart)
        .where(col(SmsPart.provider_message_id) == message_id)
        .order_by(col(SmsPart.id).desc())
        .limit(1)
    )
    part = session.exec(stmt).first()
    if part is None:
        return None
    return get_notification(session, part.notification_id, for_update=True)


# ------------------------------------------------------------------ opt-outs
def is_opted_out(session: Session, worker_id: uuid.UUID | None, phone_hash: str | None) -> bool:
    """Whether the worker or the number opted out."""
    conditions = []
    if worker_id is not None:
        conditions.append(col(OptOut.worker_id) == worker_id)
    if phone_hash is not None:
        conditions.append(col(OptOut.phone_hash) == phone_hash)
    if not conditions:
        return False
    return session.exec(select(OptOut.id).where(or_(*conditions)).limit(1)).first() is not None


def opted_out_workers(session: Session, worker_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these workers opted out."""
    if not worker_ids:
        return set()
    rows = session.exec(select(OptOut.worker_id).where(col(OptOut.worker_id).in_(list(worker_ids))))
    return {r for r in rows if r is not None}


def opted_out_phones(session: Session, phone_hashes: Sequence[str]) -> set[str]:
    """Which of these numbers opted out."""
    if not phone_hashes:
        return set()
    rows = session.exec(select(OptOut.phone_hash).where(col(OptOut.phone_hash).in_(list(phone_hashes))))
    return {r for r in rows if r is not None}


# ------------------------------------------------------------------ inbound
def inbound_seen(session: Session, provider: str, provider_message_id: str | None) -> bool:
    """Whether this provider message was already handled (callbacks can repeat)."""
    if not provider_message_id:
        return False
    stmt = select(InboundMessage.id).where(
        col(InboundMessage.provider) == provider,
        col(InboundMessage.provider_message_id) == provider_message_id,
    )
    return session.exec(stmt).first() is not None


def claim_inbound(session: Session, message: InboundMessage) -> bool:
    """Insert an inbound message unless the same provider message is stored already (two deliveries of
    one callback at once: the second waits for the first's commit on the unique index, then skips)."""
    table = InboundMessage.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(table)
        .values(**{c.name: getattr(message, c.name) for c in table.columns})
        .on_conflict_do_nothing(index_elements=["provider", "provider_message_id"])
        .returning(table.c.id)
    )
    # The row's id, not rowcount: the ORM's insert path reports -1 for a statement like this one.
    return session.execute(stmt).first() is not None


# ------------------------------------------------------------------ feed and webhooks
def feed_page(
    session: Session, site_id: uuid.UUID | None, after_id: int | None, limit: int
) -> list[FeedItem]:
    """A site's feed items in order, after a cursor (None: items from numbers nobody knows)."""
    where = col(FeedItem.site_id).is_(None) if site_id is None else col(FeedItem.site_id) == site_id
    stmt = select(FeedItem).where(where)
    if after_id is not None:
        stmt = stmt.where(col(FeedItem.id) > after_id)
    return list(session.exec(stmt.order_by(col(FeedItem.id)).limit(limit)))


def active_subscriptions(session: Session, site_id: uuid.UUID) -> list[WebhookSubscription]:
    """A site's enabled webhooks."""
    stmt = select(WebhookSubscription).where(
        col(WebhookSubscription.site_id) == site_id, col(WebhookSubscription.active)
    )
    return list(session.exec(stmt))


def list_subscriptions(session: Session, site_id: uuid.UUID) -> list[WebhookSubscription]:
    """All of a site's webhooks."""
    stmt = (
        select(WebhookSubscription)
        .where(col(WebhookSubscription.site_id) == site_id)
        .order_by(col(WebhookSubscription.created_at))
    )
    return list(session.exec(stmt))


def get_subscription(
    session: Session, site_id: uuid.UUID, subscription_id: uuid.UUID
) -> WebhookSubscription | None:
    """One webhook of a site."""
    stmt = select(WebhookSubscription).where(
        col(WebhookSubscription.id) == subscription_id, col(WebhookSubscription.site_id) == site_id
    )
    return session.exec(stmt.with_for_update()).first()


def claim_deliveries(
    session: Session, now: datetime, limit: int
) -> list[tuple[WebhookDelivery, WebhookSubscription, FeedItem]]:
    """Due webhook deliveries of enabled subscriptions, locked."""
    stmt: Any = (
        select(WebhookDelivery, WebhookSubscription, FeedItem)
        .join(WebhookSubscription, col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
        .join(FeedItem, col(FeedItem.id) == col(WebhookDelivery.feed_item_id))
        .where(
            col(WebhookDelivery.status) == DeliveryStatus.pending,
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookSubscription.active),
        )
        .order_by(col(WebhookDelivery.id))
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    )
    return [(d, s, f) for d, s, f in session.exec(stmt)]


# ------------------------------------------------------------------ key rotation
def notifications_sealed_under_other_keys(
    session: Session, active_kid: str, limit: int
) -> Sequence[Notification]:
    """Notifications whose phone was encrypted with a key other than the active one (locked, a batch)."""
    stmt = (
        select(Notification)
        .where(
            col(Notification.phone_enc).is_not(None), col(Notification.phone_enc).not_like(f"{active_kid}:%")
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(stmt).all()


def subscriptions_sealed_under_other_keys(
    session: Session, active_kid: str, limit: int
) -> Sequence[WebhookSubscription]:
    """Webhook subscriptions whose signing secret was encrypted with another key (locked, a batch)."""
    stmt = (
        select(WebhookSubscription)
        .where(col(WebhookSubscription.secret_enc).not_like(f"{active_kid}:%"))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(stmt).all()
