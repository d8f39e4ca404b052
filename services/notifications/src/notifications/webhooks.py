"""Office webhooks: each feed item POSTed to the site's subscriptions, signed (HMAC-SHA256 over timestamp and
body), retried with backoff, the subscription disabled after repeated failure."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import httpx
from anju_common.background import BackgroundThread
from anju_common.clock import CLOCK, Clock
from anju_common.db import session_scope
from anju_common.logs import get_logger
from sqlalchemy import Engine

from notifications import repository as repo
from notifications.config import get_settings
from notifications.feed import SECRET_CONTEXT
from notifications.metrics import WEBHOOK_OUTCOMES
from notifications.models import DeliveryStatus, FeedItem

log = get_logger(__name__)
SIGNATURE_HEADER = "X-Anju-Signature"
TIMESTAMP_HEADER = "X-Anju-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """'sha256=' + hex HMAC-SHA256 of '<timestamp>.<body>'."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def feed_payload(item: FeedItem) -> dict[str, object]:
    """The JSON form of a feed item (same in the feed, the stream and webhooks)."""
    return {
        "id": item.id,
        "site_id": str(item.site_id),
        "kind": item.kind,
        "title": item.title,
        "payload": item.payload,
        "created_at": item.created_at.isoformat(),
    }


class WebhookSender(BackgroundThread):
    """Background worker delivering due webhook calls."""

    def __init__(self, engine: Engine, clock: Clock = CLOCK) -> None:
        super().__init__("office-webhooks")
        self.engine = engine
        self.clock = clock
        self.http = httpx.Client(timeout=get_settings().webhook_timeout_seconds)

    def _backoff(self, attempts: int) -> timedelta:
        seconds = get_settings().webhook_retry_base_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, 3600.0))

    def run_once(self) -> int:
        """Deliver one batch; returns how many calls were made."""
        s = get_settings()
        now = self.clock.now()
        with session_scope(self.engine) as session:
            claimed = repo.claim_deliveries(session, now, 20)
            for delivery, sub, item in claimed:
                if not sub.active:
                    continue
                body = json.dumps(feed_payload(item), ensure_ascii=False, separators=(",", ":")).encode()
                timestamp = str(int(time.time()))
                secret = s.cipher().decrypt(sub.secret_enc, context=SECRET_CONTEXT)
                headers = {
                    "Content-Type": "application/json",
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(secret, timestamp, body),
                    "X-Anju-Delivery": str(delivery.id),
                    "X-Anju-Event": item.kind,
                }
                error: str | None = None
                try:
                    response = self.http.post(sub.url, content=body, headers=headers)
                    if not 200 <= response.status_code < 300:
                        error = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    error = type(exc).__name__
                delivery.attempts += 1
                if error is None:
                    delivery.status = DeliveryStatus.delivered
                    delivery.delivered_at = now
                    sub.consecutive_failures = 0
                    sub.last_error = None
                    WEBHOOK_OUTCOMES.labels("delivered").inc()
                    continue
                WEBHOOK_OUTCOMES.labels("failed").inc()
                delivery.last_error = error
                delivery.next_attempt_at = now + self._backoff(delivery.attempts)
                sub.consecutive_failures += 1
                sub.last_error = error
                sub.updated_at = now
                if sub.consecutive_failures >= s.webhook_max_failures and sub.active:
                    sub.active = False
                    sub.disabled_at = now
                    log.warning(
                        "webhook.disabled", subscription_id=str(sub.id), failures=sub.consecutive_failures
                    )
            return len(claimed)

    def run(self) -> None:
        """Deliver until stopped."""
        while not self.stopping.is_set():
            try:
                if self.run_once():
                    continue
            except Exception as exc:
                log.warning("webhook.loop_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            self.stopping.wait(get_settings().webhook_poll_seconds)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop."""
        super().stop(timeout)
        self.http.close()
