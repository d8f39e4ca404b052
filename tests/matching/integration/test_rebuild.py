"""Rebuild from the topics: a fresh read model with the same matches and identical rankings.

Runs after test_matching_flow.py in the same session, so the topics hold every kind of event.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest
from anju_common.db import make_engine, session_scope
from anju_common.outbox import pending_count
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from matching.config import MatchingSettings, today
from matching.models import HouseholdView, JobView, Match, TrainingOffer, WorkerView, event_tables
from matching.rebuild import rebuild
from matching.state import MatchingState
from sqlalchemy import Engine
from sqlmodel import select

pytestmark = pytest.mark.integration


def _state(engine: Engine, settings: MatchingSettings) -> MatchingState:
    state = MatchingState(settings.params())
    with session_scope(engine) as session:
        state.load(session)
    return state


def _rows(engine: Engine) -> dict[str, Any]:
    with session_scope(engine) as s:
        return {
            "matches": sorted(
                (str(m.id), str(m.job_id), str(m.worker_id), m.status.value, m.score, str(m.employer_id))
                for m in s.exec(select(Match)).all()
            ),
            "jobs": sorted((str(j.job_id), j.version, j.status.value) for j in s.exec(select(JobView)).all()),
            "workers": sorted(
                (str(w.worker_id), w.version, w.active) for w in s.exec(select(WorkerView)).all()
            ),
            "households": sorted(
                (str(h.household_id), h.version, h.zero_employment, str(h.alerted_since))
                for h in s.exec(select(HouseholdView)).all()
            ),
            "offers": sorted(
                (str(o.id), str(o.training_id), str(o.worker_id)) for o in s.exec(select(TrainingOffer)).all()
            ),
        }


def _rankings(state: MatchingState) -> dict[str, Any]:
    day = today()
    out: dict[str, Any] = {}
    for job_id in sorted(state.jobs.row_of, key=str):
        job = state.jobs.get(job_id)
        assert job is not None
        out[f"job:{job_id}"] = [
            (r.worker_id, r.score, r.breakdown) for r in state.workers.rank(job, day, 100)
        ]
    for worker_id in sorted(state.workers.row_of, key=str):
        w = state.workers.get(worker_id)
        assert w is not None
        hh = state.workers.household_of(worker_id)
        out[f"worker:{worker_id}"] = [
            (r.job_id, r.score) for r in state.jobs.rank_for_worker(w, hh, day, 100)
        ]
    return out


def test_rebuild_from_topics_gives_the_same_read_model_and_identical_rankings(
    matching_app: TestClient, minfra: Infra
) -> None:
    live_engine: Engine = matching_app.app.state.runtime.engine  # type: ignore[attr-defined]
    assert wait_for(lambda: pending_count(live_engine, event_tables) == 0, timeout=20)
    time.sleep(1.0)
    url = minfra.create_database("matching_rebuilt")
    settings = MatchingSettings(database_url=url, topic_prefix=minfra.topic_prefix)
    stats = rebuild(settings)
    assert stats.applied > 0 and stats.read[f"{minfra.topic_prefix}matching.events"] > 0
    rebuilt_engine = make_engine(url)
    assert pending_count(rebuilt_engine, event_tables) == 0, "replaying proposes nothing and emits nothing"
    live_rows, rebuilt_rows = _rows(live_engine), _rows(rebuilt_engine)
    assert live_rows["matches"], "the flow tests should have left matches behind"
    for key in live_rows:
        assert rebuilt_rows[key] == live_rows[key], key
    live_settings = MatchingSettings(database_url=str(live_engine.url.render_as_string(hide_password=False)))
    live = _rankings(_state(live_engine, live_settings))
    again = _rankings(_state(rebuilt_engine, settings))
    assert any(v for k, v in live.items() if k.startswith("job:"))
    assert again == live


def test_rebuild_command_line_is_repeatable(matching_app: TestClient, minfra: Infra) -> None:
    url = minfra.create_database("matching_cli")
    env = minfra.env(MATCHING_DATABASE_URL=url)
    done = subprocess.run(
        [sys.executable, "-m", "matching", "rebuild"], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rebuilt:" in done.stdout
    live_engine: Engine = matching_app.app.state.runtime.engine  # type: ignore[attr-defined]
    first = _rows(make_engine(url))
    assert first["matches"] == _rows(live_engine)["matches"]
    rebuild(MatchingSettings(database_url=url, topic_prefix=minfra.topic_prefix))
    assert _rows(make_engine(url)) == first, "a second rebuild gives the same state"
