"""Replicas follow each other's writes: each indexes the whole read model; a racing pair is proposed once,
and what a dead replica was asked to propose is proposed by another."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from anju_common.clock import utcnow
from anju_common.db import make_engine, session_scope
from anju_common.events import (
    Event,
    JobPosted,
    JobUpdated,
    Location,
    SkillData,
    TrainingPublished,
    WorkerRegistered,
)
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from matching import proposals
from matching import repository as repo
from matching.aliases import add_alias, load_vocabulary
from matching.config import get_settings
from matching.consumers import handlers
from matching.follower import IndexFollower, OwnWork
from matching.models import Match, MatchTransition, PendingProposal, TrainingOffer, event_tables
from matching.offers import record_offer
from matching.proposer import Proposer
from matching.state import MatchingState
from sqlalchemy import Engine, delete, event, func, text
from sqlmodel import select

from tests.matching.helpers import SITE, job, training, worker

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "matching" / "migrations"


class Replica:
    """One matching process's state, its consumer's handlers, its follower and its proposer (not started:
    the test runs each step), on a shared database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.state = MatchingState(get_settings().params())
        self.own = OwnWork()
        with session_scope(engine) as session:
            since = repo.snapshot_xmin(session)
            fingerprint = repo.alias_fingerprint(session)
            load_vocabulary(session, self.state)
            self.state.load(session)
        self.follower = IndexFollower(engine, self.state, self.own, since, fingerprint)
        self.proposer = Proposer(engine, self.state, self.follower, self.own)
        self.handlers = handlers(self.state, own=self.own, proposer=self.proposer)

    def step_one(self, ev: Event) -> None:
        """What the consumer does with one event of its partitions: one transaction, no ranking."""
        with session_scope(self.engine) as session:
            self.handlers[ev.type](session, ev)

    def handle(self, ev: Event) -> None:
        """Step one, then what the proposer does when the commit wakes it."""
        self.step_one(ev)
        self.proposer.drain()


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


def _count(engine: Engine, table: Any) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


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
    # Both store their event before seeing the other's row: a ranking in the consumer's transaction
    # could find the pair on neither replica. Each proposer follows after its claim, so both find it.
    j, w = _posted(), _registered()
    a.step_one(j)
    b.step_one(w)
    assert _matches(engine) == []
    assert a.state.workers.get(w.data.worker_id) is None
    a.proposer.drain()
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]
    # The worker's replica finds the pair matched and proposes nothing more.
    b.proposer.drain()
    a.follower.tick()
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]
    assert _count(engine, PendingProposal) == 0


def test_two_replicas_proposing_the_same_pair_at_once_make_it_once(engine: Engine) -> None:
    a, b = Replica(engine), Replica(engine)
    pairs = [(_posted(), _registered()) for _ in range(3)]
    for j, w in pairs:
        a.step_one(j)
        b.step_one(w)
    # Both proposers at the same moment: each ranks the pair, the live-pair index keeps one of them.
    start = threading.Barrier(2)
    failed: list[BaseException] = []

    def step_two(r: Replica) -> None:
        start.wait()
        try:
            while r.proposer.drain():  # rows held by the other replica, or a deadlock it lost: again
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            failed.append(exc)

    threads = [threading.Thread(target=step_two, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failed
    expected = {(j.data.job_id, w.data.worker_id) for j, w in pairs}
    # Each job ranks every worker of the test (one place, one trade): 3 × 3 pairs, each once.
    everything = {(j.data.job_id, w.data.worker_id) for j, _ in pairs for _, w in pairs}
    made = _matches(engine)
    assert expected <= set(made)
    assert sorted(made) == sorted(everything)
    # One event and one first transition per match, none for a pair refused.
    assert _count(engine, event_tables.outbox) == len(made)
    assert _count(engine, MatchTransition) == len(made)
    assert _count(engine, PendingProposal) == 0


def test_what_a_dead_replica_was_asked_to_propose_is_proposed_by_another(engine: Engine) -> None:
    a, b = Replica(engine), Replica(engine)
    w = _registered()
    b.handle(w)
    # A stores the job (inbox marked, offsets maybe never committed) and dies before its proposer ran.
    j = _posted()
    a.step_one(j)
    assert _count(engine, PendingProposal) == 1
    # Too young to take over: its own replica may be about to propose.
    assert b.proposer.sweep() == 0
    assert _matches(engine) == []
    b.proposer.takeover = timedelta(0)
    assert b.proposer.sweep() == 1
    assert _matches(engine) == [(j.data.job_id, w.data.worker_id)]
    assert _count(engine, PendingProposal) == 0
    assert b.proposer.sweep() == 0


def test_a_job_grown_while_another_replica_proposes_for_it_gets_its_new_seats(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Replica(engine), Replica(engine)
    for _ in range(6):
        a.handle(_registered())
    b.follower.tick()
    v1 = job(headcount=1)
    a.step_one(JobPosted.build(v1, subject=v1.job_id))
    v2 = v1.model_copy(update={"headcount": 2, "version": v1.version + 1})
    follow = a.follower.tick

    def follow_then_grow() -> int:
        n = follow()
        # After A's pass began, the job gains a seat on B (its partition moved there).
        b.step_one(JobUpdated.build(v2, subject=v2.job_id))
        return n

    monkeypatch.setattr(a.follower, "tick", follow_then_grow)
    a.proposer.drain()
    assert len(_matches(engine)) == 3  # 3 per seat, as A's pass saw the job
    # B's request is a row of its own, not merged into the one A held and deleted: the new seat is proposed.
    assert _count(engine, PendingProposal) == 1
    b.proposer.drain()
    assert len(_matches(engine)) == 6
    assert _count(engine, PendingProposal) == 0


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


def test_the_jobs_of_one_claim_share_the_weekly_cap_and_one_insert_per_table(engine: Engine) -> None:
    a = Replica(engine)
    a.handle(_registered())
    jobs = [_posted(headcount=1) for _ in range(5)]
    for j in jobs:
        a.step_one(j)
    inserts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT"):
            inserts.append(statement.split("(")[0].split()[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert a.proposer.drain() == 0  # the five rows in one claim
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # MATCHING_MAX_OPEN_PER_WORKER_WEEK (3): the later jobs of the claim see the earlier ones' proposals,
    # and the claim proposes in the order the jobs were asked for.
    made = _matches(engine)
    assert len(made) == 3
    assert {j for j, _ in made} == {ev.data.job_id for ev in jobs[:3]}
    assert sorted(inserts) == ["match", "match_transition", "outbox_event"]
    assert _count(engine, PendingProposal) == 0


def test_a_row_is_indexed_once_while_a_transaction_elsewhere_holds_the_horizon_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Replica(engine), Replica(engine)
    indexed: list[uuid.UUID] = []
    index_worker = b.state.index_worker

    def counted(wv: Any, households: Any) -> Any:
        indexed.append(wv.worker_id)
        return index_worker(wv, households)

    monkeypatch.setattr(b.state, "index_worker", counted)
    with engine.connect() as held:
        # A long transaction anywhere on the server (an import, a report) keeps the snapshot xmin back.
        held.execute(text("SELECT pg_current_xact_id()"))
        w = _registered()
        a.handle(w)
        for _ in range(3):
            b.follower.tick()
        assert indexed == [w.data.worker_id]
        first = b.state.workers.get(w.data.worker_id)
        assert first is not None
        # The same row written again is a new version: indexed again, with what it says now.
        moved = worker(
            worker_id=w.data.worker_id, household=w.data.household, version=2, skills=[SkillData(name="竹编")]
        )
        a.handle(WorkerRegistered.build(moved, subject=moved.worker_id))
        b.follower.tick()
        b.follower.tick()
        assert indexed == [w.data.worker_id] * 2
        held.rollback()
    before = a.state.workers.get(w.data.worker_id)
    after = b.state.workers.get(w.data.worker_id)
    assert before is not None and after is not None
    assert after.skill_ids() == before.skill_ids() != first.skill_ids()


def _waiting_for_a_lock(engine: Engine, kind: str = "advisory", timeout: float = 5.0) -> bool:
    """Whether a transaction on this test's database waits for a lock of this kind within the timeout
    (advisory; transactionid: another transaction's insert of the same unique key)."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND wait_event = :kind"
    ).bindparams(kind=kind)
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(query).scalar_one():
                return True
        time.sleep(0.02)
    return False


class _Held:
    """Keeps one thread's proposing transaction open after its insert, until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.inserted = threading.Event()
        self.release = threading.Event()
        self.thread: threading.Thread | None = None
        self.failed: list[BaseException] = []
        real = proposals.create_matches

        def held(*args: Any, **kw: Any) -> list[uuid.UUID]:
            made = real(*args, **kw)
            if threading.current_thread() is self.thread:
                self.inserted.set()
                self.release.wait(30)
            return made

        monkeypatch.setattr(proposals, "create_matches", held)

    def start(self, r: Replica) -> None:
        """Replica r proposes in a thread and stops, uncommitted, after its insert."""
        self.thread = _proposing(r, self.failed)
        self.thread.start()
        assert self.inserted.wait(30), "the held replica never reached its insert"

    def race(self, other: Replica, engine: Engine) -> bool:
        """The other replica proposes meanwhile; then the held one commits. Whether the other waited for a
        lock before that commit."""
        assert self.thread is not None
        second = _proposing(other, self.failed)
        second.start()
        waited = _waiting_for_a_lock(engine)
        self.release.set()
        for t in (self.thread, second):
            t.join(30)
        assert not self.failed
        return waited


def _proposing(r: Replica, failed: list[BaseException]) -> threading.Thread:
    """A thread, not started, in which a replica's proposer drains its queue (its errors kept in failed)."""

    def run() -> None:
        try:
            while r.proposer.drain():
                pass
        except BaseException as exc:  # pragma: no cover - reported by the test
            failed.append(exc)

    return threading.Thread(target=run)


def _weekly(engine: Engine, worker_id: uuid.UUID) -> int:
    with session_scope(engine) as session:
        return repo.weekly_open_counts(session, [worker_id], utcnow() - timedelta(days=7)).get(worker_id, 0)


def test_two_replicas_proposing_one_worker_at_once_keep_the_weekly_cap(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Replica(engine), Replica(engine)
    w = _registered()
    a.handle(w)
    jobs = [_posted(headcount=1) for _ in range(4)]
    for j in jobs[:2]:
        a.step_one(j)
    for j in jobs[2:]:
        b.step_one(j)
    held = _Held(monkeypatch)
    # A has proposed the worker for two jobs and not committed; B counts her open proposals as none.
    held.start(a)
    waited = held.race(b, engine)
    # MATCHING_MAX_OPEN_PER_WORKER_WEEK (3): B keeps one of its two once it has A's two counted.
    assert _weekly(engine, w.data.worker_id) == get_settings().max_open_per_worker_week == 3
    assert len(_matches(engine)) == 3
    assert _count(engine, event_tables.outbox) == 3
    assert _count(engine, PendingProposal) == 0
    assert waited, "B chose the worker without waiting for A's proposals"


def test_a_worker_proposed_on_one_replica_while_another_fills_the_job_keeps_its_quota(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Replica(engine), Replica(engine)
    for _ in range(3):
        a.handle(_registered())
    j = _posted(headcount=1)  # 3 proposals a seat: the three workers fill it
    a.step_one(j)
    held = _Held(monkeypatch)
    held.start(a)
    assert len(_matches(engine)) == 0  # A's three are not committed yet
    # A fourth worker reaches B meanwhile: B ranks the job for her and reads its open proposals as none.
    late = _registered()
    b.step_one(late)
    waited = held.race(b, engine)
    made = _matches(engine)
    assert len(made) == 3
    assert (j.data.job_id, late.data.worker_id) not in made
    assert _count(engine, PendingProposal) == 0
    assert waited, "B proposed the job without waiting for A's proposals"


def _offers(engine: Engine) -> list[tuple[uuid.UUID, uuid.UUID]]:
    with session_scope(engine) as session:
        return [(o.training_id, o.worker_id) for o in session.exec(select(TrainingOffer)).all()]


def test_a_course_published_on_one_replica_is_offered_to_a_worker_another_replica_just_stored(
    engine: Engine,
) -> None:
    a, b = Replica(engine), Replica(engine)
    a.handle(_posted(skills=["车工"]))
    w = _registered(skills=[SkillData(name="包装工", level=2)])
    b.handle(w)  # both steps on B: no course yet, nothing to offer her
    assert _offers(engine) == []
    # A has not followed B since: a course ranked in A's consumer transaction would not see the worker.
    assert a.state.workers.get(w.data.worker_id) is None
    course = training(skills_taught=["车工"])
    a.step_one(TrainingPublished.build(course, subject=course.training_id))
    assert _offers(engine) == []
    a.proposer.drain()
    assert _offers(engine) == [(course.training_id, w.data.worker_id)]
    assert _count(engine, event_tables.outbox) == 1  # training.offered, once
    assert _count(engine, PendingProposal) == 0


def test_a_course_offered_to_one_worker_by_two_replicas_at_once_is_offered_once(engine: Engine) -> None:
    a, b = Replica(engine), Replica(engine)
    a.handle(_posted(skills=["车工"]))
    w = _registered(skills=[SkillData(name="包装工", level=2)])
    a.handle(w)
    a.step_one(TrainingPublished.build(c := training(skills_taught=["车工"]), subject=c.training_id))
    a.proposer.drain()
    b.follower.tick()
    worker_now, course = b.state.workers.get(w.data.worker_id), b.state.jobs.trainings.get(c.training_id)
    assert worker_now is not None and course is not None
    with session_scope(engine) as session:
        session.execute(delete(TrainingOffer))
        session.execute(delete(event_tables.outbox))
    # Both replicas' passes find the pair (the course's on A, the worker's on B); A's is not committed yet.
    results: list[Any] = []
    with session_scope(engine) as first:
        assert record_offer(first, a.state, worker_now, course, {"chewer"}, []) is not None
        t = threading.Thread(
            target=lambda: results.append(_record_in_own_transaction(engine, b.state, worker_now, course))
        )
        t.start()
        assert _waiting_for_a_lock(engine, "transactionid")
    t.join(30)
    assert results == [None]
    assert _offers(engine) == [(c.training_id, w.data.worker_id)]
    assert _count(engine, event_tables.outbox) == 1


def _record_in_own_transaction(engine: Engine, state: MatchingState, worker_now: Any, course: Any) -> Any:
    with session_scope(engine) as session:
        return record_offer(session, state, worker_now, course, {"chewer"}, [])


def _far(**kw: Any) -> JobPosted:
    """A job about 50 km north of the site: only a worker who commutes that far ranks it."""
    return _posted(
        location=Location(
            site_id=SITE, county="惠水县", province="贵州省", lat=26.6, lon=106.67, name="远处"
        ),
        **kw,
    )


def test_a_job_that_loses_a_worker_to_another_replica_proposes_the_next_one_instead(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Replica(engine), Replica(engine)
    mobile = _registered(max_commute_km=100.0, skills=[SkillData(name="缝纫工", level=5)])
    others = [_registered(skills=[SkillData(name="缝纫工", level=lvl)]) for lvl in (4, 4, 1)]
    for w in (mobile, *others):
        a.handle(w)
    for j in (far := [_far(headcount=1) for _ in range(3)]):
        a.step_one(j)
    near = _posted(headcount=1)  # 3 proposals: the best three of the four
    b.step_one(near)
    held = _Held(monkeypatch)
    # A proposes the mobile worker for the three far jobs (her weekly cap, 3) and has not committed; B
    # chooses her for the near job too, and finds her at her cap once A commits.
    held.start(a)
    assert held.race(b, engine)
    made = set(_matches(engine))
    assert {(j.data.job_id, mobile.data.worker_id) for j in far} <= made
    assert (near.data.job_id, mobile.data.worker_id) not in made
    # The near job keeps its three: the fourth-best worker takes the place B lost.
    assert {w for j, w in made if j == near.data.job_id} == {w.data.worker_id for w in others}
    assert _weekly(engine, mobile.data.worker_id) == 3
    assert _count(engine, event_tables.outbox) == len(made) == 6
    assert _count(engine, PendingProposal) == 0


def test_a_worker_whose_chosen_job_another_replica_fills_is_proposed_her_next_job_instead(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Replica(engine), Replica(engine)
    locals_ = [_registered() for _ in range(3)]
    for w in locals_:
        a.handle(w)
    far = [_far(headcount=1) for _ in range(3)]
    for j in far:
        a.handle(j)  # nobody commutes that far yet: no proposal
    near = _posted(headcount=1)
    a.step_one(near)
    held = _Held(monkeypatch)
    # A fills the near job with the three local workers and has not committed.
    held.start(a)
    mobile = _registered(max_commute_km=100.0)
    b.step_one(mobile)
    # B ranks the near job first for her, with two far ones (her cap, 3); once A commits it is full.
    assert held.race(b, engine)
    made = set(_matches(engine))
    assert {w for j, w in made if j == near.data.job_id} == {w.data.worker_id for w in locals_}
    assert {j for j, w in made if w == mobile.data.worker_id} == {j.data.job_id for j in far}
    assert _count(engine, event_tables.outbox) == len(made) == 6
    assert _count(engine, PendingProposal) == 0
