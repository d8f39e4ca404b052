"""The matching service's ASGI app."""

from __future__ import annotations

from anju_common.app import create_app
from anju_common.db import session_scope
from anju_common.logs import describe_error, get_logger
from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from matching import repository as repo
from matching.aliases import load_vocabulary
from matching.config import get_settings
from matching.consumers import build_consumer
from matching.follower import IndexFollower, OwnWork, loaded_seen
from matching.models import event_tables, metadata
from matching.proposer import Proposer
from matching.routes import router
from matching.runtime import MatchingRuntime
from matching.state import MatchingState
from matching.taxonomy_routes import router as taxonomy_router
from matching.zero_employment import ZeroEmploymentTicker

log = get_logger(__name__)


def build_runtime() -> MatchingRuntime:
    """Engine, producer, Redis, relay, the ranking state loaded from the read model, consumer and ticker."""
    settings = get_settings()
    runtime = MatchingRuntime.build(settings, metadata, event_tables)
    assert isinstance(runtime, MatchingRuntime)
    state = MatchingState(settings.params())
    follow = runtime.engine.dialect.name == "postgresql" and settings.follow_interval_seconds > 0
    since: int | None = None
    aliases = ""
    seen = None
    try:
        with session_scope(runtime.engine) as session:
            if follow:
                # One snapshot for the load: whatever commits after it is read by the follower, and what
                # it loaded is not indexed a second time.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                since = repo.snapshot_xmin(session)
            aliases = repo.alias_fingerprint(session)
            load_vocabulary(session, state)
            state.load(session)
            if since is not None:
                seen = loaded_seen(session, since)
    except SQLAlchemyError as exc:
        log.warning("matching.state_not_loaded", error=describe_error(exc))
    runtime.matching = state
    if since is None:
        runtime.add_consumer(build_consumer(runtime, state))
    else:
        own = OwnWork()
        follower = IndexFollower(runtime.engine, state, own, since, aliases, seen)
        proposer = Proposer(runtime.engine, state, follower, own)
        runtime.add_consumer(build_consumer(runtime, state, own, proposer))
        runtime.workers += [follower, proposer]
    runtime.workers.append(ZeroEmploymentTicker(runtime.engine, state))
    return runtime


def make_app() -> FastAPI:
    """Build the app from current settings."""
    return create_app(
        settings=get_settings(),
        title="Anju matching service",
        description="Ranks workers for jobs with reasons, proposes matches and training offers; "
        "publishes matching.events.",
        routers=[router, taxonomy_router],
        runtime_factory=build_runtime,
    )


app = make_app()
