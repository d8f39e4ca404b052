"""The offices' feed: items for a site, and the webhook deliveries of its subscriptions."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from anju_common.errors import NotFoundError
from sqlmodel import Session

from notifications import repository as repo
from notifications.config import get_settings
from notifications.models import FeedItem, WebhookDelivery, WebhookSubscription

SECRET_CONTEXT = "webhook-secret"  # noqa: S105 (an encryption context label)


def add_feed_item(
    session: Session,
    *,
    site_id: uuid.UUID | None,
    kind: str,
    title: str,
    payload: dict[str, Any],
    now: datetime,
    source_event_id: uuid.UUID | None = None,
) -> FeedItem:
    """A feed item for the office, and a webhook delivery to each of its enabled subscriptions (site None:
    an item for admins, from a number nobody knows)."""
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
    if site_id is None:
        return item
    for sub in repo.active_subscriptions(session, site_id):
        session.add(
            WebhookDelivery(subscription_id=sub.id, feed_item_id=item.id, next_attempt_at=now, created_at=now)
        )
    return item


def create_subscription(
    session: Session, site_id: uuid.UUID, url: str, description: str | None, now: datetime
) -> tuple[WebhookSubscription, str]:
    """A new webhook and its signing secret (shown once)."""
    secret = secrets.token_urlsafe(32)
    sub = WebhookSubscription(
        site_id=site_id,
        url=url,
        description=description,
        secret_enc=get_settings().cipher().encrypt(secret, context=SECRET_CONTEXT),
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
        raise NotFoundError("webhook", subscription_id)
    sub.active = active
    sub.disabled_at = None if active else now
    if active:
        sub.consecutive_failures = 0
    sub.updated_at = now
    return sub
