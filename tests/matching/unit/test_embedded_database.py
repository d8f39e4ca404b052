"""The embedded SQLite database of a quick local run: a job is stored if newer and proposed for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from anju_common.db import session_scope
from matching.config import get_settings
from matching.models import JobView, Match, MatchTransition, metadata
from matching.projection import apply_job, apply_worker
from matching.state import MatchingState
from sqlalchemy import Engine, create_engine
from sqlmodel import select

from tests.matching.helpers import job, worker


@pytest.fixture
def engine() -> Iterator[Engine]:
    eng = create_engine("sqlite://")
    metadata.create_all(eng)
    yield eng
    eng.dispose()


def test_a_job_is_stored_when_newer_and_proposed_for_on_sqlite(engine: Engine) -> None:
    state = MatchingState(get_settings().params())
    w = worker()
    with session_scope(engine) as session:
        apply_worker(session, state, w)
    v1 = job(headcount=1)
    with session_scope(engine) as session:
        made = apply_job(session, state, v1)
    assert len(made) == 1
    older = v1.model_copy(update={"title": "旧标题", "version": v1.version - 1})
    newer = v1.model_copy(update={"title": "新标题", "version": v1.version + 1})
    with session_scope(engine) as session:
        assert apply_job(session, state, older) == []
        apply_job(session, state, newer)
    with session_scope(engine) as session:
        view = session.get(JobView, v1.job_id)
        assert view is not None and view.version == newer.version and view.data is not None
        assert view.data["title"] == "新标题"
        matches = session.exec(select(Match)).all()
        assert [(m.job_id, m.worker_id) for m in matches] == [(v1.job_id, w.worker_id)]
        assert len(session.exec(select(MatchTransition)).all()) == 1
    profile = state.jobs.get(v1.job_id)
    assert profile is not None and profile.title == "新标题"
