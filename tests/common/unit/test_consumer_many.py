"""A handler wrapped in Many gets each run of neighbouring events of its type at once in a batch, in order
with the other handlers, and a list of one on the one-by-one path; duplicates are left out of the run."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from anju_common.db import make_engine
from anju_common.event_tables import define_event_tables
from anju_common.events import (
    Event,
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    NotificationSent,
    NotificationSentData,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler, Many, Producer
from sqlalchemy import MetaData
from sqlmodel import Session


def _sent() -> NotificationSent:
    d = NotificationSentData(
        notification_id=uuid.uuid4(),
        worker_id=uuid.uuid4(),
        template="job_offer",
        provider="smpp",
        provider_message_id="1",
        segments=1,
    )
    return NotificationSent.build(d, subject=d.worker_id)


def _changed() -> MatchStatusChanged:
    d = MatchStatusChangedData(
        match_id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        worker_id=uuid.uuid4(),
        household_id=uuid.uuid4(),
        site_id=uuid.uuid4(),
        from_status=MatchStatus.notified,
        to_status=MatchStatus.interested,
    )
    return MatchStatusChanged.build(d, subject=d.match_id)


def _runner(tmp_path: Path, calls: list[tuple[str, list[uuid.UUID]]]) -> ConsumerRunner:
    metadata = MetaData()
    tables = define_event_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    metadata.create_all(engine)

    def many(_session: Session, evs: list[NotificationSent]) -> None:
        calls.append(("many", [ev.id for ev in evs]))

    def one(_session: Session, ev: MatchStatusChanged) -> None:
        calls.append(("one", [ev.id]))

    handlers: dict[str, Handler] = {
        NotificationSent.type_name(): Many(many),
        MatchStatusChanged.type_name(): one,
    }
    config = ConsumerConfig(name="many", group_id="g", topics=["t"], bootstrap="127.0.0.1:1")
    return ConsumerRunner(config, engine, tables, handlers, cast(Producer, None))


def _records(events: list[Event]) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(value=ev.to_json(), topic="t", key=None, partition=0, offset=i)
        for i, ev in enumerate(events)
    ]


def test_a_batch_hands_each_run_over_at_once_and_keeps_the_order(tmp_path: Path) -> None:
    calls: list[tuple[str, list[uuid.UUID]]] = []
    runner = _runner(tmp_path, calls)
    a, b, c, d = _sent(), _sent(), _changed(), _sent()
    assert runner.handle_batch(_records([a, b, a, c, d])) == 4  # a twice in one poll: handled once
    assert calls == [("many", [a.id, b.id]), ("one", [c.id]), ("many", [d.id])]
    calls.clear()
    e = _sent()
    assert runner.handle_batch(_records([a, e, b])) == 1  # redelivered: only the new one
    assert calls == [("many", [e.id])]


def test_one_by_one_it_gets_a_list_of_one(tmp_path: Path) -> None:
    calls: list[tuple[str, list[uuid.UUID]]] = []
    runner = _runner(tmp_path, calls)
    a = _sent()
    assert runner.handle_raw("t", None, a.to_json()) == "handled"
    assert runner.handle_raw("t", None, a.to_json()) == "duplicate"
    assert calls == [("many", [a.id])]
