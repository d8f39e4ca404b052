"""Request and response bodies of the notifications API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, UrlConstraints, field_validator

from notifications.models import NotificationStatus
from notifications.providers.base import to_e164


class Strict(BaseModel):
    """Bodies reject unknown fields so a typo is a 4xx, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class InboundSms(Strict):
    """A provider's callback for an SMS a worker sent (phone in any common Chinese form)."""

    phone: str = Field(min_length=5, max_length=32, description="sender, e.g. +8613812345678 or 13812345678")
    text: str = Field(min_length=1, max_length=1000, description="the reply as written, e.g. 1, ２, 是, TD")
    provider: str = Field(default="http", min_length=1, max_length=20, pattern=r"^[a-z0-9_-]+$")
    provider_message_id: str | None = Field(default=None, max_length=100)
    received_at: datetime | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        phone = to_e164(value)
        if phone is None:
            raise ValueError("not a phone number; use E.164 (+8613812345678) or an 11-digit mobile number")
        return phone


class InboundResult(BaseModel):
    """What we understood."""

    id: uuid.UUID | None
    reply: str
    notification_id: uuid.UUID | None
    duplicate: bool = False


class DeliveryReport(Strict):
    """A provider's delivery report for one message id."""

    provider_message_id: str = Field(min_length=1, max_length=100)
    status: Literal["delivered", "failed"]
    error_code: str | None = Field(default=None, max_length=100)


class NotificationPublic(BaseModel):
    """One SMS as the API shows it (the number only masked)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    site_id: uuid.UUID | None
    match_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    source_event_id: uuid.UUID
    source_event_type: str
    template: str
    params: dict[str, Any]
    status: NotificationStatus
    status_reason: str | None
    status_reason_text: dict[str, str] | None = Field(
        default=None, description='the reason read out: {"zh": …, "en": …}'
    )
    in_doubt: bool
    in_doubt_at: datetime | None
    in_doubt_reason: str | None = Field(default=None, description="why the row was recorded in doubt")
    attempts: int
    due_at: datetime
    send_after: datetime | None = Field(default=None, description="scheduled time, if it was scheduled")
    job_id: uuid.UUID | None = None
    training_id: uuid.UUID | None = None
    placement_id: uuid.UUID | None = None
    follow_up_id: uuid.UUID | None = None
    departure_id: uuid.UUID | None = None
    provider: str | None
    provider_message_id: str | None
    segments: int
    error_code: str | None
    phone_masked: str | None
    resend_of: uuid.UUID | None
    reply: str | None
    replied_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None


class StatusCounts(BaseModel):
    """Notifications per status; in_doubt_recorded counts those ever in doubt."""

    counts: dict[str, int]


WEBHOOK_URL_MAX = 500  # webhook_subscription.url


class WebhookCreate(Strict):
    """A subscription of an office to its site's feed."""

    url: Annotated[HttpUrl, UrlConstraints(max_length=WEBHOOK_URL_MAX)]
    description: str | None = Field(default=None, max_length=200)

    @field_validator("url")
    @classmethod
    def _fits_the_column(cls, url: HttpUrl) -> HttpUrl:
        # Normalising (a trailing slash, punycode hosts) can lengthen a URL past the stored column's size.
        if len(str(url)) > WEBHOOK_URL_MAX:
            raise ValueError(f"the URL is longer than {WEBHOOK_URL_MAX} characters")
        return url


class WebhookPublic(BaseModel):
    """A subscription (the secret is shown only when created)."""

    id: uuid.UUID
    site_id: uuid.UUID
    url: str
    description: str | None
    active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    last_error: str | None
    created_at: datetime
    secret: str | None = None


class FeedItemPublic(BaseModel):
    """An item of an office's feed."""

    id: int
    site_id: uuid.UUID | None
    kind: str
    title: str
    payload: dict[str, Any]
    created_at: datetime


class FeedPage(BaseModel):
    """A page of the feed; pass next_cursor to continue (it stays valid as new items arrive)."""

    items: list[FeedItemPublic]
    next_cursor: str | None
