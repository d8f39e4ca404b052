"""Tables of the notifications service."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from anju_common.clock import utcnow
from anju_common.db import enum_type
from anju_common.event_tables import define_event_tables
from anju_common.outbox import Emitter
from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from notifications.config import get_settings


class NotificationStatus(StrEnum):
    """Lifecycle of one SMS."""

    pending = "pending"
    submitting = "submitting"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    skipped = "skipped"
    cancelled = "cancelled"  # what it referred to is gone (match closed, departure cancelled …)
    in_doubt = "in_doubt"
    unknown = "unknown"  # sent, but its delivery receipt never came (see receipts.py)


class DeliveryStatus(StrEnum):
    """Lifecycle of one webhook delivery."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class NotificationsTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, apart from other services' models."""


metadata = NotificationsTable.metadata
event_tables = define_event_tables(metadata)


def _ts(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


def _bigint_pk() -> Column[int]:
    return Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)


class Notification(NotificationsTable, table=True):
    """One SMS to one worker for one source event: the unique key makes it exactly one."""

    __table_args__ = (
        UniqueConstraint("source_event_id", "worker_id", name="uq_notification_event_worker"),
        Index("ix_notification_due", "status", "due_at"),
        Index("ix_notification_phone", "phone_hash", "sent_at"),
        Index("ix_notification_list", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    source_event_id: uuid.UUID
    source_event_type: str = Field(max_length=200)
    worker_id: uuid.UUID = Field(index=True)
    site_id: uuid.UUID | None = Field(default=None, index=True)
    household_id: uuid.UUID | None = None
    match_id: uuid.UUID | None = Field(default=None, index=True)
    offer_id: uuid.UUID | None = None
    # What the SMS refers to, for the liveness check before sending and for cancelling what waits.
    job_id: uuid.UUID | None = Field(default=None, index=True)
    training_id: uuid.UUID | None = Field(default=None, index=True)
    placement_id: uuid.UUID | None = Field(default=None, index=True)
    follow_up_id: uuid.UUID | None = Field(default=None, index=True)
    departure_id: uuid.UUID | None = Field(default=None, index=True)
    template: str = Field(max_length=50)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: NotificationStatus = Field(
        default=NotificationStatus.pending, sa_type=enum_type(NotificationStatus)
    )
    status_reason: str | None = Field(default=None, max_length=200)
    due_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    send_after: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    attempts: int = 0
    in_doubt: bool = False
    in_doubt_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    in_doubt_reason: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    provider: str | None = Field(default=None, max_length=20)
    provider_message_id: str | None = Field(default=None, max_length=100)
    segments: int = 0
    error_code: str | None = Field(default=None, max_length=100)
    phone_enc: str | None = Field(default=None, max_length=200)
    phone_hash: str | None = Field(default=None, max_length=64)
    phone_masked: str | None = Field(default=None, max_length=20)
    resend_of: uuid.UUID | None = None
    reply: str | None = Field(default=None, max_length=20)
    replied_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    submitted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    delivered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    failed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class SmsPart(NotificationsTable, table=True):
    """One provider message id (a segment) of a notification, to match delivery reports (ids are not
    trusted to be unique forever: an SMSC may restart its counter, so the latest wins)."""

    __tablename__ = "sms_part"

    id: int | None = Field(default=None, sa_column=_bigint_pk())
    provider_message_id: str = Field(max_length=100, index=True)
    notification_id: uuid.UUID = Field(foreign_key="notification.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class OptOut(NotificationsTable, table=True):
    """A number (by its keyed hash) and/or worker that asked for no more SMS: for good."""

    __tablename__ = "opt_out"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    phone_hash: str | None = Field(default=None, max_length=64, index=True)
    worker_id: uuid.UUID | None = Field(default=None, index=True)
    source: str = Field(default="sms", max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class InboundMessage(NotificationsTable, table=True):
    """An SMS a worker sent us, with what we understood of it."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("provider", "provider_message_id", name="uq_inbound_provider_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    provider: str = Field(max_length=20)
    provider_message_id: str | None = Field(default=None, max_length=100)
    phone_hash: str = Field(max_length=64, index=True)
    phone_masked: str | None = Field(default=None, max_length=20)
    text: str = Field(max_length=1000)
    reply: str = Field(max_length=20)
    notification_id: uuid.UUID | None = None
    worker_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    received_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class FeedItem(NotificationsTable, table=True):
    """Something a community employment office should see (alerts, replies a person must read)."""

    __tablename__ = "feed_item"
    __table_args__ = (Index("ix_feed_item_site", "site_id", "id"),)

    id: int | None = Field(default=None, sa_column=_bigint_pk())
    site_id: uuid.UUID | None = None  # None: from a number nobody knows (admins see these)
    kind: str = Field(max_length=50)
    title: str = Field(max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source_event_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ReferentState(NotificationsTable, table=True):
    """What the events told us about something an SMS refers to (a match, job, course, placement, follow-up,
    departure or a worker's hire), checked right before sending: a small local read model."""

    __tablename__ = "referent_state"

    kind: str = Field(max_length=20, primary_key=True)
    ref_id: uuid.UUID = Field(primary_key=True)
    status: str = Field(max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class WebhookSubscription(NotificationsTable, table=True):
    """An office's HTTPS endpoint that receives its site's feed items, signed."""

    __tablename__ = "webhook_subscription"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    site_id: uuid.UUID = Field(index=True)
    url: str = Field(max_length=500)
    description: str | None = Field(default=None, max_length=200)
    secret_enc: str = Field(max_length=300)
    active: bool = True
    consecutive_failures: int = 0
    disabled_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class WebhookDelivery(NotificationsTable, table=True):
    """One feed item to one subscription, retried with backoff."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        UniqueConstraint("subscription_id", "feed_item_id", name="uq_webhook_delivery"),
    )

    id: int | None = Field(default=None, sa_column=_bigint_pk())
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscription.id", index=True)
    feed_item_id: int = Field(foreign_key="feed_item.id")
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=enum_type(DeliveryStatus))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


emit = Emitter(event_tables, lambda: get_settings().topic_prefix)
