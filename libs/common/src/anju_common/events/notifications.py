"""Events of the notifications service (topic notifications.events)."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from anju_common.events.base import Contract, Event, ReplyKind


class _Notifications(Event):
    SOURCE_SERVICE: ClassVar[str] = "notifications"


class NotificationSentData(Contract):
    """An SMS was handed to the provider."""

    notification_id: uuid.UUID
    worker_id: uuid.UUID
    template: str
    provider: str
    provider_message_id: str | None = None
    segments: int = 1
    source_event_id: uuid.UUID | None = None
    match_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None


class NotificationDeliveredData(Contract):
    """The provider reports the SMS as delivered."""

    notification_id: uuid.UUID
    worker_id: uuid.UUID
    provider_message_id: str | None = None


class NotificationFailedData(Contract):
    """The SMS could not be delivered."""

    notification_id: uuid.UUID
    worker_id: uuid.UUID
    error_code: str
    permanent: bool


class WorkerRepliedData(Contract):
    """A worker answered an SMS."""

    worker_id: uuid.UUID
    reply: ReplyKind
    match_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    notification_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    follow_up_id: uuid.UUID | None = None
    departure_id: uuid.UUID | None = None


class WorkerOptedOutData(Contract):
    """A worker asked for no more SMS (TD / 退订)."""

    worker_id: uuid.UUID
    channel: Literal["sms"] = "sms"


class NotificationSent(_Notifications):
    """An SMS was handed to the provider."""

    type: Literal["anju.notifications.notification.sent"] = "anju.notifications.notification.sent"
    data: NotificationSentData


class NotificationDelivered(_Notifications):
    """An SMS was delivered."""

    type: Literal["anju.notifications.notification.delivered"] = "anju.notifications.notification.delivered"
    data: NotificationDeliveredData


class NotificationFailed(_Notifications):
    """An SMS failed."""

    type: Literal["anju.notifications.notification.failed"] = "anju.notifications.notification.failed"
    data: NotificationFailedData


class WorkerReplied(_Notifications):
    """A worker replied by SMS."""

    type: Literal["anju.notifications.worker.replied"] = "anju.notifications.worker.replied"
    data: WorkerRepliedData


class WorkerOptedOut(_Notifications):
    """A worker opted out of SMS."""

    type: Literal["anju.notifications.worker.opted_out"] = "anju.notifications.worker.opted_out"
    data: WorkerOptedOutData


EVENTS: tuple[type[Event], ...] = (
    NotificationSent,
    NotificationDelivered,
    NotificationFailed,
    WorkerReplied,
    WorkerOptedOut,
)
