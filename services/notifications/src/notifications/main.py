"""The notifications service's ASGI app."""

from __future__ import annotations

from anju_common.app import Runtime, create_app
from fastapi import FastAPI

from notifications.config import get_settings
from notifications.consumers import build_consumer
from notifications.contacts import ContactClient
from notifications.dispatcher import Dispatcher
from notifications.models import event_tables, metadata
from notifications.provider_events import ProviderEvents
from notifications.providers import build_provider
from notifications.ratelimit import Limits, RateLimiter
from notifications.receipts import ReceiptReconciler
from notifications.routes import router
from notifications.webhooks import WebhookSender


def build_runtime() -> Runtime:
    """Engine, producer, Redis, the outbox relay, the consumer, the SMS dispatcher and the webhook sender."""
    settings = get_settings()
    runtime = Runtime.build(settings, metadata, event_tables)
    events = ProviderEvents(runtime.engine)
    runtime.workers.append(events)
    provider = build_provider(settings, events)
    contacts = ContactClient(settings.workers_url, settings.service_token, settings.contact_timeout_seconds)
    limiter = RateLimiter(
        runtime.redis,
        Limits(settings.limit_per_minute, settings.limit_per_hour, settings.limit_per_day),
        prefix=settings.topic_prefix,
    )
    dispatcher = Dispatcher(runtime.engine, provider, contacts, limiter, runtime.redis)
    runtime.workers.append(dispatcher)
    runtime.add_consumer(build_consumer(runtime, dispatcher.wake))
    runtime.workers.append(WebhookSender(runtime.engine))
    runtime.workers.append(ReceiptReconciler(runtime.engine, provider))
    return runtime


def make_app() -> FastAPI:
    """Build the app from current settings."""
    return create_app(
        settings=get_settings(),
        title="Anju notifications service",
        description="SMS to workers (SMPP, Aliyun, file), their replies, and pushes to employment offices.",
        routers=[router],
        runtime_factory=build_runtime,
    )


app = make_app()
