"""Replicas follow each other's writes: each indexes the whole read model; a racing pair is proposed once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anju_common.db import make_engine, session_scope
from anju_common.events import Event, JobPosted, SkillData, WorkerRegistered
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from matching import repository as repo
from matching.aliases import add_alias, load_vocabulary
from matching.config import get_settings
from matching.consumers import handlers
from matching.follower import IndexFollower, OwnWork
from matching.models import Match
from matching.state import MatchingState
from sqlalchemy import Engine
from sqlmodel import select

from tests.matching.helpers import job, worker

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "matching" / "migrations"


class Replica:
    """One matching process's state, its consumer's handlers and its follower, on a shared database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.state = MatchingState(get_settings().params())
        self.own = OwnWork()
        self.handlers = handlers(self.state, own=self.own)
        with session_scope(engine) as session:
            since = repo.snapshot_xmin(session)
            fingerprint = repo.alias_fingerprint(session)
            load_vocabulary(session, self.state)
            self.state.load(session)
        self.follower = IndexFollower(engine, self.state, self.own, since, fingerprint)

    def handle(self, ev: Event) -> None:
        """What the consumer does with one event of its partitions: one transaction."""
        with session_scope(self.engine) as session:
            self.handlers[ev.type](session, ev)


@pytest.fixture
def engine(minfra: Infra) -> Iterator[Engine]:
    url = minfra.create_database("matching")
    upgrade(MIGRATIONS, url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


def _matches(engine: Engine) -> list[tuple[uuid.UUID, uuid.UUID]]:
    with session_scope(engine) as session:
        return [(m.job_id, m.worker_id) for m in session.exec(select(Match)).all()]


def _registered(**kw: Any) -> WorkerRegistered:
    data = worker(**kw)
    return WorkerRegistered.build(data, subject=data.worker_id)


def _posted(**kw: Any) -> JobPosted:
    data = job(**kw)
    return JobPosted.build(data, subject=data.job_id)


def test_a_replica_indexes_what_another_replica_wrote(engine: Engine) -> None:
    a, b = Replica(engine), Replica(engine)
    w = _registered()
    a.handle(w)
    assert a.state.workers.get(w.data.worker_id) is not None
    assert b.state.workers.get(w.data.worker_id) is None
    assert b.follower.tick() >= 1
    assert b.state.workers.get(w.data.worker_id) is not None
    # A job B handles now ranks A's worker: B proposes the pair, and A's follower sees B's job.
    j = _posted()
    b.handle(j)
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]
    a.follower.tick()
    assert a.state.jobs.get(j.data.job_id) is not None
    # Nothing is proposed twice when each replica looks again.
    a.follower.tick()
    b.follower.tick()
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]


def test_a_job_and_a_worker_arriving_at_two_replicas_at_once_are_proposed_once(engine: Engine) -> None:
    a, b = Replica(engine), Replica(engine)
    # Both handle their event before seeing the other's row: neither ranking can find the pair.
    j, w = _posted(), _registered()
    a.handle(j)
    b.handle(w)
    assert _matches(engine) == []
    # The job's replica closes the race when it mirrors the worker another replica wrote.
    a.follower.tick()
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]
    # The worker's replica mirrors the job but does not propose it again.
    b.follower.tick()
    a.follower.tick()
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]


def test_rows_committed_after_a_look_are_read_at_the_next_one(engine: Engine) -> None:
    a, b = Replica(engine), Replica(engine)
    w1 = _registered()
    with session_scope(engine) as session:
        # A transaction of A still open while B looks: B must read its row at a later look.
        a.handlers[w1.type](session, w1)
        b.follower.tick()
        assert b.state.workers.get(w1.data.worker_id) is None
    b.follower.tick()
    assert b.state.workers.get(w1.data.worker_id) is not None
    # A deactivated worker stops being a candidate on the other replica too.
    j = _posted()
    gone = worker(worker_id=w1.data.worker_id, household=w1.data.household, active=False, version=2)
    a.handle(WorkerRegistered.build(gone, subject=gone.worker_id))
    b.follower.tick()
    profile = b.state.workers.get(w1.data.worker_id)
    assert profile is not None and not profile.active
    b.handle(j)
    assert _matches(engine) == []


def test_an_alias_stored_through_one_replica_is_read_by_the_others(engine: Engine) -> None:
    a, b = Replica(engine), Replica(engine)
    w = _registered(skills=[SkillData(name="码边佬", level=3)])
    a.handle(w)
    b.follower.tick()
    assert not b.state.norm.read("码边佬").understood
    with session_scope(engine) as session:
        add_alias(session, a.state.norm, "码边佬", "overlock_operator", force=False, actor="admin")
    # B never sees the alias event (another replica consumed it); it reads the stored aliases instead.
    b.follower.tick()
    assert b.state.norm.read("码边佬").trade_ids == ("overlock_operator",)
    j = _posted(title="拷边工", skills=["拷边工"])
    b.handle(j)
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]
