"""HTTP routes of the notifications service: thin, they parse, call the service and shape the answer."""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from anju_common.clock import CLOCK
from anju_common.db import session_scope
from anju_common.deps import PrincipalDep, SessionDep, get_runtime
from anju_common.errors import ForbiddenError, NotFoundError
from anju_common.guard import PUBLIC_ROUTE
from anju_common.pagination import MAX_INT_CURSOR, MAX_LIMIT, Page, encode_cursor, int_cursor, keyset_after
from anju_common.principal import Principal
from anju_common.problems import Problem
from fastapi import APIRouter, Header, Query, Request, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from notifications import feed, inbound, sending
from notifications import repository as repo
from notifications.config import get_settings
from notifications.liveness import reason_text
from notifications.models import FeedItem, Notification, NotificationStatus, WebhookSubscription
from notifications.providers.base import Inbound, Receipt
from notifications.schemas import (
    DeliveryReport,
    FeedItemPublic,
    FeedPage,
    InboundResult,
    InboundSms,
    NotificationPublic,
    StatusCounts,
    WebhookCreate,
    WebhookPublic,
)
from notifications.webhooks import check_webhook_url, feed_payload

router = APIRouter(prefix="/api/v1")
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]
CallbackToken = Annotated[
    str | None, Header(alias="X-Anju-Callback-Token", description="provider callback token")
]


def _check_callback(request: Request, token: str | None) -> None:
    expected = get_settings().callback_token
    if expected and not hmac.compare_digest((token or "").encode(), expected.encode()):
        raise Problem(401, "X-Anju-Callback-Token is missing or wrong", code="bad-callback-token")


def _site(principal: Principal, site_id: uuid.UUID) -> None:
    if not principal.can_see_site(site_id):
        raise NotFoundError("site", site_id)


def _public(note: Notification) -> NotificationPublic:
    public = NotificationPublic.model_validate(note, from_attributes=True)
    public.status_reason_text = reason_text(note.status_reason)
    return public


def _webhook(sub: WebhookSubscription, secret: str | None = None) -> WebhookPublic:
    return WebhookPublic.model_validate({**sub.model_dump(), "secret": secret})


def _feed_item(item: FeedItem) -> FeedItemPublic:
    return FeedItemPublic.model_validate(item.model_dump())


def _feed_after(cursor: str | None) -> int | None:
    return int_cursor(cursor)


# ------------------------------------------------------------------ provider callbacks
@router.post("/sms/inbound", response_model=InboundResult, tags=["sms"], openapi_extra=PUBLIC_ROUTE)
def sms_inbound(
    body: InboundSms, request: Request, session: SessionDep, token: CallbackToken = None
) -> InboundResult:
    """A worker's SMS (provider callback): 1/2/TD and the like, matched to the latest offer to that number."""
    _check_callback(request, token)
    message = Inbound(
        phone=body.phone, text=body.text, provider=body.provider, provider_message_id=body.provider_message_id
    )
    reply = inbound.handle_inbound(session, message, CLOCK.now())
    if reply is None:
        return InboundResult(id=None, reply="duplicate", notification_id=None, duplicate=True)
    return InboundResult(id=reply.id, reply=reply.reply, notification_id=reply.notification_id)


@router.post("/sms/reports", response_model=NotificationPublic, tags=["sms"], openapi_extra=PUBLIC_ROUTE)
def sms_report(
    body: DeliveryReport, request: Request, session: SessionDep, token: CallbackToken = None
) -> NotificationPublic:
    """A delivery report (provider callback) for one provider message id."""
    _check_callback(request, token)
    receipt = Receipt(
        message_id=body.provider_message_id,
        delivered=body.status == "delivered",
        code=body.error_code or ("" if body.status == "delivered" else "undelivered"),
    )
    note = sending.apply_receipt(session, receipt, CLOCK.now())
    if note is None:
        raise NotFoundError("SMS with provider_message_id", body.provider_message_id)
    return _public(note)


# ------------------------------------------------------------------ notifications
@router.get("/notifications", response_model=Page[NotificationPublic], tags=["notifications"])
def list_notifications(
    session: SessionDep,
    principal: PrincipalDep,
    worker_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    status_: Annotated[NotificationStatus | None, Query(alias="status")] = None,
    in_doubt: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[NotificationPublic]:
    """Notifications in the caller's scope, newest first."""
    after = keyset_after(cursor)
    flt = repo.NotificationFilter(worker_id=worker_id, site_id=site_id, status=status_, in_doubt=in_doubt)
    rows = repo.list_notifications(session, principal, flt, after, limit)
    next_cursor = (
        encode_cursor([rows[-1].created_at.isoformat(), str(rows[-1].id)]) if len(rows) == limit else None
    )
    return Page(items=[_public(n) for n in rows], next_cursor=next_cursor)


@router.get("/notifications/counts", response_model=StatusCounts, tags=["notifications"])
def notification_counts(
    session: SessionDep, principal: PrincipalDep, site_id: uuid.UUID | None = None
) -> StatusCounts:
    """How many notifications per status (in scope), and how many were ever in doubt."""
    if site_id is not None:
        _site(principal, site_id)
    return StatusCounts(counts=repo.count_by_status(session, principal, site_id))


@router.get("/notifications/{notification_id}", response_model=NotificationPublic, tags=["notifications"])
def get_notification(
    notification_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> NotificationPublic:
    """One notification."""
    note = repo.get_notification(session, notification_id, principal)
    if note is None:
        raise NotFoundError("notification", notification_id)
    return _public(note)


@router.post(
    "/notifications/{notification_id}/resend",
    response_model=NotificationPublic,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["notifications"],
)
def resend_notification(
    notification_id: uuid.UUID, request: Request, session: SessionDep, principal: PrincipalDep
) -> NotificationPublic:
    """Queue the same SMS again as a new notification (refused after an opt-out)."""
    note = sending.resend(session, notification_id, principal, CLOCK.now())
    return _public(note)


# ------------------------------------------------------------------ offices
@router.post(
    "/offices/{site_id}/webhooks",
    response_model=WebhookPublic,
    status_code=status.HTTP_201_CREATED,
    tags=["offices"],
)
def create_webhook(
    site_id: uuid.UUID, body: WebhookCreate, request: Request, session: SessionDep, principal: PrincipalDep
) -> WebhookPublic:
    """Subscribe an endpoint to the site's feed; the signing secret is returned once."""
    _site(principal, site_id)
    check_webhook_url(str(body.url), get_settings())
    sub, secret = feed.create_subscription(session, site_id, str(body.url), body.description, CLOCK.now())
    return _webhook(sub, secret)


@router.get("/offices/{site_id}/webhooks", response_model=list[WebhookPublic], tags=["offices"])
def list_webhooks(site_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> list[WebhookPublic]:
    """The site's webhooks (secrets are not shown)."""
    _site(principal, site_id)
    return [_webhook(s) for s in repo.list_subscriptions(session, site_id)]


@router.post(
    "/offices/{site_id}/webhooks/{webhook_id}/enable", response_model=WebhookPublic, tags=["offices"]
)
def enable_webhook(
    site_id: uuid.UUID, webhook_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> WebhookPublic:
    """Re-enable a webhook disabled after repeated failures; waiting deliveries resume."""
    _site(principal, site_id)
    return _webhook(feed.set_subscription_active(session, site_id, webhook_id, True, CLOCK.now()))


@router.post(
    "/offices/{site_id}/webhooks/{webhook_id}/disable", response_model=WebhookPublic, tags=["offices"]
)
def disable_webhook(
    site_id: uuid.UUID, webhook_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> WebhookPublic:
    """Pause a webhook."""
    _site(principal, site_id)
    return _webhook(feed.set_subscription_active(session, site_id, webhook_id, False, CLOCK.now()))


@router.get("/offices/unassigned/feed", response_model=FeedPage, tags=["offices"])
def unassigned_feed(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> FeedPage:
    """Items no site owns (SMS from numbers nobody knows, masked), oldest first: administrators only."""
    if not principal.is_admin:
        raise ForbiddenError(
            "只有管理员可以查看未知号码的短信 / only administrators read SMS from unknown numbers"
        )
    items = repo.feed_page(session, None, _feed_after(cursor), limit)
    next_cursor = encode_cursor([items[-1].id]) if items else cursor
    return FeedPage(items=[_feed_item(i) for i in items], next_cursor=next_cursor)


@router.get("/offices/{site_id}/feed", response_model=FeedPage, tags=["offices"])
def office_feed(
    site_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> FeedPage:
    """The site's feed, oldest first; next_cursor continues after the last item (poll with it)."""
    _site(principal, site_id)
    items = repo.feed_page(session, site_id, _feed_after(cursor), limit)
    next_cursor = encode_cursor([items[-1].id]) if items else cursor
    return FeedPage(items=[_feed_item(i) for i in items], next_cursor=next_cursor)


@router.get("/offices/{site_id}/feed/stream", tags=["offices"], response_class=EventSourceResponse)
async def office_feed_stream(
    site_id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    cursor: Cursor = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=30)] = None,
    max_events: Annotated[
        int | None, Query(ge=1, le=10000, description="end the stream after this many")
    ] = None,
) -> EventSourceResponse:
    """Server-sent events of the site's feed (id = feed item id; resumes from Last-Event-ID)."""
    _site(principal, site_id)
    after = _feed_after(cursor)
    if last_event_id:
        if not last_event_id.isdigit() or int(last_event_id) > MAX_INT_CURSOR:
            raise Problem(400, "Last-Event-ID 必须是动态条目编号 (must be a feed item id)", code="bad-cursor")
        after = int(last_event_id)
    runtime = get_runtime(request)
    poll = get_settings().feed_poll_seconds

    def fetch(after_id: int | None) -> list[dict[str, Any]]:
        with session_scope(runtime.engine) as session:
            return [feed_payload(i) for i in repo.feed_page(session, site_id, after_id, 100)]

    async def events() -> AsyncIterator[ServerSentEvent]:
        last = after
        sent = 0
        while True:
            items = await anyio.to_thread.run_sync(fetch, last)
            for item in items:
                last = int(item["id"])
                sent += 1
                yield ServerSentEvent(
                    data=json.dumps(item, ensure_ascii=False), id=str(last), event=str(item["kind"])
                )
                if max_events is not None and sent >= max_events:
                    return
            if await request.is_disconnected():
                return
            await anyio.sleep(poll)

    return EventSourceResponse(events(), ping=15)
