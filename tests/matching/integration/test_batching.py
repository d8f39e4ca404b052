"""The consumer handles neighbouring job postings in one transaction, and a job's proposals in a few
statements, without giving up de-duplication, quotas, weekly caps or the order of events."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from anju_common.db import make_engine, session_scope
from anju_common.events import (
    Event,
    JobClosed,
    JobClosedData,
    JobPosted,
    MatchProposed,
    NotificationSent,
    NotificationSentData,
    WorkerRegistered,
)
from anju_common.kafka import ConsumerConfig, Producer
from anju_common.migrate import upgrade
from anju_common.outbox import event_headers
from anju_common.testing import Infra
from matching.consumers import MatchingConsumer, handlers, segments
from matching.follower import OwnWork
from matching.models import Match, MatchTransition, event_tables
from matching.state import MatchingState
from sqlalchemy import Engine, event, func
from sqlmodel import select

from tests.matching.conftest import MIGRATIONS
from tests.matching.helpers import NORM, job, worker

pytestmark = pytest.mark.integration


@dataclass
class Record:
    """What kafka-python's poll returns for one message (the fields the consumer reads)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class FakeKafka:
    """Stands in for the KafkaConsumer: remembers the offsets committed."""

    def __init__(self) -> None:
        self.commits: list[dict[Any, Any]] = []

    def commit(self, offsets: dict[Any, Any]) -> None:
        self.commits.append(offsets)


def _records(*events: Event) -> list[Record]:
    """The records of events as the relay publishes them (the type header too)."""
    return [
        Record("jobs.events", 0, i, ev.key(), ev.to_json(), event_headers(ev.type))
        for i, ev in enumerate(events)
    ]


@pytest.fixture
def engine(minfra: Infra) -> Iterator[Engine]:
    url = minfra.create_database("matching_batch")
    upgrade(MIGRATIONS, url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


class Consumer:
    """The matching consumer on a test database, fed polls by hand."""

    def __init__(self, engine: Engine, minfra: Infra) -> None:
        from matching.config import get_settings

        self.engine = engine
        self.state = MatchingState(get_settings().params(), NORM)
        self.own = OwnWork()
        config = ConsumerConfig(name="matching", group_id="g", topics=[], bootstrap=minfra.kafka_bootstrap)
        self.runner = MatchingConsumer(
            config, engine, event_tables, handlers(self.state, own=self.own), Producer(minfra.kafka_bootstrap)
        )
        self.kafka = FakeKafka()

    def poll(self, *events: Event) -> None:
        self.runner._batch(self.kafka, _records(*events))

    def matches(self) -> list[Match]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Match)).all())

    def inbox(self) -> int:
        with session_scope(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(event_tables.inbox)).one())


def _commits(engine: Engine) -> list[int]:
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    event.listen(engine, "commit", count)
    return seen


def _posted(**kw: Any) -> JobPosted:
    data = job(**kw)
    return JobPosted.build(data, subject=data.job_id)


def _registered(**kw: Any) -> WorkerRegistered:
    data = worker(**kw)
    return WorkerRegistered.build(data, subject=data.worker_id)


def test_segments_keep_neighbouring_postings_together_and_everything_else_alone() -> None:
    p1, p2, p3 = _posted(), _posted(), _posted()
    closed = JobClosed.build(
        JobClosedData(job_id=p2.data.job_id, employer_id=p2.data.employer_id, reason="closed", version=2),
        subject=p2.data.job_id,
    )
    sent = [
        NotificationSent.build(
            NotificationSentData(
                notification_id=uuid.uuid4(),
                worker_id=uuid.uuid4(),
                template="match_proposed",
                provider="smpp",
                source_event_id=uuid.uuid4(),
            ),
            subject=uuid.uuid4(),
        )
        for _ in range(2)
    ]
    w = _registered()
    parts = segments(_records(p1, p2, closed, p3, *sent, w, w))
    assert [[r.offset for r in part] for part in parts] == [[0, 1], [2], [3], [4, 5], [6], [7]]


def test_a_poll_of_postings_commits_once_and_a_redelivered_poll_proposes_nothing(
    engine: Engine, minfra: Infra
) -> None:
    c = Consumer(engine, minfra)
    workers = [_registered() for _ in range(3)]
    c.poll(*workers)
    jobs = [_posted(headcount=1) for _ in range(3)]
    commits = _commits(engine)
    txids = len(c.own.txids)
    c.poll(*jobs)
    assert commits[0] == 1, "the three postings share one transaction"
    assert len(c.own.txids) == txids + 1, "the replica records that one transaction as its own"
    first = {(m.job_id, m.worker_id) for m in c.matches()}
    assert len(first) == 9  # 3 proposals per seat, every worker eligible for every job
    assert {j for j, _ in first} == {ev.data.job_id for ev in jobs}
    assert c.inbox() == 6

    c.poll(*jobs)  # Kafka redelivers the poll (offsets not committed before a crash)
    c.poll(jobs[0], jobs[0], jobs[1])  # and an event twice within one poll
    assert {(m.job_id, m.worker_id) for m in c.matches()} == first
    assert len(c.matches()) == 9
    assert c.inbox() == 6
    assert [len(offsets) for offsets in c.kafka.commits] == [1, 1, 1, 1]


def test_the_weekly_cap_holds_across_the_jobs_of_one_poll(engine: Engine, minfra: Infra) -> None:
    c = Consumer(engine, minfra)
    w = _registered()
    c.poll(w)
    c.poll(*(_posted() for _ in range(5)))
    # MATCHING_MAX_OPEN_PER_WORKER_WEEK (3): the later jobs of the transaction see the earlier proposals.
    assert len(c.matches()) == 3


def test_a_job_posted_and_closed_in_one_poll_ends_closed(engine: Engine, minfra: Infra) -> None:
    c = Consumer(engine, minfra)
    c.poll(_registered())
    posted = _posted()
    closed = JobClosed.build(
        JobClosedData(
            job_id=posted.data.job_id, employer_id=posted.data.employer_id, reason="closed", version=2
        ),
        subject=posted.data.job_id,
    )
    c.poll(posted, _posted(), closed)
    profile = c.state.jobs.get(posted.data.job_id)
    assert profile is not None and profile.status.value == "closed"
    statuses = {m.job_id: m.status.value for m in c.matches()}
    assert statuses[posted.data.job_id] == "expired"
    assert sorted(statuses.values()) == ["expired", "proposed"]


def test_a_jobs_proposals_are_written_with_one_insert_per_table(engine: Engine, minfra: Infra) -> None:
    c = Consumer(engine, minfra)
    c.poll(*(_registered() for _ in range(6)))
    inserts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT"):
            inserts.append(statement.split("(")[0].split()[2])

    event.listen(engine, "before_cursor_execute", seen)
    c.poll(_posted(headcount=2))
    event.remove(engine, "before_cursor_execute", seen)
    assert len(c.matches()) == 6
    with session_scope(engine) as session:
        assert len(session.exec(select(MatchTransition)).all()) == 6
    assert inserts.count("match") == 1
    assert inserts.count("match_transition") == 1
    assert inserts.count("outbox_event") == 1


def test_a_rebuild_applies_a_pairs_second_proposal_read_before_the_first_ones_end(engine: Engine) -> None:
    from anju_common.events import MatchProposedData, MatchStatus, MatchStatusChanged, MatchStatusChangedData
    from matching.rebuild import RebuildStats, _apply_own

    pair: dict[str, Any] = {
        "job_id": uuid.uuid4(),
        "worker_id": uuid.uuid4(),
        "household_id": uuid.uuid4(),
        "site_id": uuid.uuid4(),
    }

    def proposed() -> MatchProposed:
        data = MatchProposedData(
            match_id=uuid.uuid4(),
            score=80.0,
            breakdown={},
            job_title="缝纫工",
            employer_name="车间",
            wage_min=2800,
            wage_max=4200,
            place="王家车间",
            **pair,
        )
        return MatchProposed.build(data, subject=data.match_id)

    def moved(match_id: uuid.UUID, frm: MatchStatus, to: MatchStatus) -> MatchStatusChanged:
        data = MatchStatusChangedData(match_id=match_id, from_status=frm, to_status=to, **pair)
        return MatchStatusChanged.build(data, subject=match_id)

    first, second = proposed(), proposed()
    # Partition by partition: the second match's events come before the first one's decline.
    events: list[Event] = [
        first,
        second,
        moved(second.data.match_id, MatchStatus.proposed, MatchStatus.notified),
        moved(first.data.match_id, MatchStatus.proposed, MatchStatus.declined),
    ]
    stats = RebuildStats()
    _apply_own(engine, iter(events), stats, batch=2)
    with session_scope(engine) as session:
        rows = {m.id: m.status for m in session.exec(select(Match)).all()}
    assert rows == {first.data.match_id: MatchStatus.declined, second.data.match_id: MatchStatus.notified}
    assert stats.applied == 4 and stats.skipped == 0


def test_a_job_ranks_past_alike_workers_all_at_their_weekly_cap(engine: Engine, minfra: Infra) -> None:
    c = Consumer(engine, minfra)
    c.poll(*(_registered() for _ in range(53)))
    # A job ranks its best 50 first; enough alike jobs fill the weekly cap (3) of all of them.
    for _ in range(6):
        c.poll(*(_posted() for _ in range(10)))
    per_worker = Counter(m.worker_id for m in c.matches())
    assert len(per_worker) == 53, "the workers ranked below the capped ones are proposed too"
    assert set(per_worker.values()) == {3}, "and nobody past the weekly cap"


def test_with_a_proposer_neighbouring_registrations_share_a_transaction(
    engine: Engine, minfra: Infra
) -> None:
    from matching import repository as repo
    from matching.consumers import DEFERRED_BATCH_GROUPS, build_consumer
    from matching.follower import IndexFollower
    from matching.proposer import Proposer

    c = Consumer(engine, minfra)
    with session_scope(engine) as session:
        since = repo.snapshot_xmin(session)
    follower = IndexFollower(engine, c.state, c.own, since)
    proposer = Proposer(engine, c.state, follower, c.own)
    runtime: Any = type("R", (), {"settings": _settings(), "engine": engine, "tables": event_tables})()
    runtime.producer = c.runner.producer
    runner = build_consumer(runtime, c.state, c.own, proposer)
    assert isinstance(runner, MatchingConsumer) and runner.groups is DEFERRED_BATCH_GROUPS
    c.runner = runner
    posted = _posted(headcount=1)
    c.poll(posted)
    first, second = _registered(), _registered()
    moved = worker(worker_id=first.data.worker_id, household=first.data.household, version=2, active=False)
    commits = _commits(engine)
    c.poll(first, second, WorkerRegistered.build(moved, subject=moved.worker_id))
    assert commits[0] == 1, "the three registrations share one transaction"
    assert c.inbox() == 4
    while proposer.drain():
        pass
    # The first worker's later event (inactive) won: only the second worker is proposed the job.
    assert [(m.job_id, m.worker_id) for m in c.matches()] == [(posted.data.job_id, second.data.worker_id)]
    profile = c.state.workers.get(first.data.worker_id)
    assert profile is None or not profile.active


def _settings() -> Any:
    from matching.config import get_settings

    return get_settings()


def test_records_of_types_the_consumer_does_not_handle_are_skipped_unparsed_and_committed(
    engine: Engine, minfra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = Consumer(engine, minfra)
    posted = _posted()
    own = [
        Record("matching.events", 1, 40 + i, None, b"{not json", event_headers("match.proposed"))
        for i in range(3)
    ]
    parsed: list[bytes] = []
    handle_raw = c.runner.handle_raw

    def spy(topic: str, key: bytes | None, value: bytes | None, *rest: Any) -> str:
        parsed.append(value or b"")
        return handle_raw(topic, key, value, *rest)

    monkeypatch.setattr(c.runner, "handle_raw", spy)
    c.runner._batch(c.kafka, [*own, *_records(posted)])
    assert parsed == [posted.to_json()], "only the posting is read; the skipped values were never parsed"
    assert c.inbox() == 1 and {m.job_id for m in c.matches()} <= {posted.data.job_id}
    committed = {(tp.topic, tp.partition): meta.offset for tp, meta in c.kafka.commits[-1].items()}
    assert committed == {("matching.events", 1): 43, ("jobs.events", 0): 1}


def _sent_for(match: Match) -> NotificationSent:
    return NotificationSent.build(
        NotificationSentData(
            notification_id=uuid.uuid4(),
            worker_id=match.worker_id,
            template="job_offer",
            provider="smpp",
            provider_message_id=str(uuid.uuid4()),
            segments=1,
            source_event_id=match.proposed_event_id,
            match_id=match.id,
        ),
        subject=match.worker_id,
    )


def test_a_poll_of_sms_sent_marks_every_match_notified_with_one_lookup_and_one_insert_per_table(
    engine: Engine, minfra: Infra
) -> None:
    c = Consumer(engine, minfra)
    c.poll(*(_registered() for _ in range(6)))
    c.poll(_posted(headcount=2))
    proposed = c.matches()
    assert len(proposed) == 6 and all(m.proposed_event_id for m in proposed)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sent = [_sent_for(m) for m in proposed]
    resent = _sent_for(proposed[0])  # the same proposal's SMS sent again (an in-doubt resend)
    event.listen(engine, "before_cursor_execute", seen)
    c.poll(*sent, resent)
    event.remove(engine, "before_cursor_execute", seen)
    assert {m.status.value for m in c.matches()} == {"notified"}
    with session_scope(engine) as session:
        notified = session.exec(select(MatchTransition).where(MatchTransition.to_status == "notified")).all()
    assert sorted(str(t.match_id) for t in notified) == sorted(str(m.id) for m in proposed)
    lookups = [s for s in statements if s.startswith("SELECT") and "FROM match " in s and "FOR UPDATE" in s]
    assert len(lookups) == 1
    inserts = [s.split("(")[0].split()[2] for s in statements if s.startswith("INSERT")]
    assert inserts.count("match_transition") == 1
    assert inserts.count("outbox_event") == 1
    assert c.inbox() == 6 + 1 + 7  # the workers, the job, and every SMS event once

    c.poll(*sent)  # redelivered: nothing changes twice
    with session_scope(engine) as session:
        again = session.exec(select(MatchTransition).where(MatchTransition.to_status == "notified")).all()
    assert len(again) == 6
