"""The workers service's ASGI app."""

from __future__ import annotations

from anju_common.app import Runtime, create_app
from anju_common.db import session_scope
from anju_common.logs import get_logger
from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from workers import skills
from workers.config import get_settings
from workers.consumers import build_consumers
from workers.departure_routes import router as departure_router
from workers.export_routes import router as export_router
from workers.follow_ups import FollowUpTicker
from workers.internal_lookup import router as lookup_router
from workers.models import event_tables, metadata
from workers.placement_routes import placement_router
from workers.routes import internal, router
from workers.standard_routes import router as standard_router

log = get_logger(__name__)


def build_runtime() -> Runtime:
    """Engine, producer, Redis, the outbox relay, the consumers and the follow-up timer."""
    runtime = Runtime.build(get_settings(), metadata, event_tables)
    try:
        with session_scope(runtime.engine) as session:
            skills.refresh(session)
    except SQLAlchemyError as exc:
        log.warning("workers.vocabulary_not_loaded", error=str(exc)[:300])
    for consumer in build_consumers(runtime):
        runtime.add_consumer(consumer)
    runtime.workers.append(FollowUpTicker(runtime.engine))
    return runtime


def make_app() -> FastAPI:
    """Build the app from current settings."""
    return create_app(
        settings=get_settings(),
        title="Anju workers service",
        description=(
            "Resettlement sites, households and relocated workers' skill profiles, with phone and ID numbers "
            "encrypted at rest and masked in every response; publishes workers.events."
        ),
        # export first: /workers/{worker_id} would take "export.xlsx" for an id
        routers=[
            export_router,
            router,
            placement_router,
            internal,
            departure_router,
            standard_router,
            lookup_router,
        ],
        runtime_factory=build_runtime,
    )


app = make_app()
