"""The jobs service's ASGI app."""

from __future__ import annotations

from anju_common.app import Runtime, create_app
from fastapi import FastAPI

from jobs.config import get_settings
from jobs.consumers import build_consumer
from jobs.expiry import ExpiryTicker
from jobs.models import event_tables, metadata
from jobs.routes import router


def build_runtime() -> Runtime:
    """Engine, producer, Redis, the outbox relay, the consumer and the expiry timer."""
    settings = get_settings()
    runtime = Runtime.build(settings, metadata, event_tables)
    runtime.add_consumer(build_consumer(runtime))
    runtime.workers.append(ExpiryTicker(runtime.engine))
    return runtime


def make_app() -> FastAPI:
    """Build the app from current settings."""
    return create_app(
        settings=get_settings(),
        title="Anju jobs service",
        description="Employers, jobs and training courses; publishes jobs.events.",
        routers=[router],
        runtime_factory=build_runtime,
    )


app = make_app()
