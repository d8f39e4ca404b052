"""A handler wrapped in When skips the events it does not want: no transaction, no inbox row, counted as
ignored; the events it wants are handled once, one by one and in a batch."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from anju_common.db import make_engine, session_scope
from anju_common.event_tables import define_event_tables
from anju_common.events import MatchStatus, MatchStatusChanged, MatchStatusChangedData
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler, Producer, When
from sqlalchemy import MetaData, func, select
from sqlmodel import Session


def _changed(to: MatchStatus) -> MatchStatusChanged:
    d = MatchStatusChangedData(
        match_id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        worker_id=uuid.uuid4(),
        household_id=uuid.uuid4(),
        site_id=uuid.uuid4(),
        from_status=MatchStatus.proposed,
        to_status=to,
    )
    return MatchStatusChanged.build(d, subject=d.match_id)


def _runner(tmp_path: Path, seen: list[MatchStatus]) -> tuple[ConsumerRunner, Any]:
    metadata = MetaData()
    tables = define_event_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    metadata.create_all(engine)

    def handle(_session: Session, ev: MatchStatusChanged) -> None:
        seen.append(ev.data.to_status)

    hired_only = When(lambda ev: ev.data.to_status == MatchStatus.hired, handle)
    config = ConsumerConfig(name="filtered", group_id="g", topics=["t"], bootstrap="127.0.0.1:1")
    handlers: dict[str, Handler] = {MatchStatusChanged.type_name(): hired_only}
    no_dead_letters = cast(Producer, None)  # nothing here is malformed or fails
    runner = ConsumerRunner(config, engine, tables, handlers, no_dead_letters)
    return runner, (engine, tables)


def _inbox_rows(db: Any) -> int:
    engine, tables = db
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).select_from(tables.inbox)).scalar_one())


def test_one_by_one_an_unwanted_event_is_ignored_without_an_inbox_row(tmp_path: Path) -> None:
    seen: list[MatchStatus] = []
    runner, db = _runner(tmp_path, seen)
    notified, hired = _changed(MatchStatus.notified), _changed(MatchStatus.hired)
    assert runner.handle_raw("t", None, notified.to_json()) == "ignored"
    assert _inbox_rows(db) == 0
    assert runner.handle_raw("t", None, hired.to_json()) == "handled"
    assert runner.handle_raw("t", None, hired.to_json()) == "duplicate"
    assert seen == [MatchStatus.hired]
    assert _inbox_rows(db) == 1


def test_in_a_batch_only_the_wanted_events_are_handled_and_recorded(tmp_path: Path) -> None:
    seen: list[MatchStatus] = []
    runner, db = _runner(tmp_path, seen)
    events = [_changed(MatchStatus.notified), _changed(MatchStatus.hired), _changed(MatchStatus.declined)]
    records = [
        SimpleNamespace(value=ev.to_json(), topic="t", key=None, partition=0, offset=i)
        for i, ev in enumerate(events)
    ]
    assert runner.handle_batch(records) == 1
    assert seen == [MatchStatus.hired]
    assert _inbox_rows(db) == 1
    assert runner.handle_batch(records) == 0  # redelivered: the hire is in the inbox, the rest still unwanted
    assert seen == [MatchStatus.hired]
