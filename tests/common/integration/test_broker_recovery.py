"""The outbox relay and a consumer pick up again soon after a stopped broker answers, and stop cleanly."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anju_common.db import make_engine, session_scope
from anju_common.event_tables import EventTables, define_event_tables
from anju_common.events import JobClosed, JobClosedData
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Producer
from anju_common.outbox import OutboxRelay, record_event
from anju_common.testing import PrivateBroker, wait_for
from anju_common.topics import ensure_topics
from sqlalchemy import Engine, MetaData
from sqlmodel import Session

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.standalone]
# What "resumes soon" means here: the bar is 10 s; the wait allows for a loaded machine. Before the
# reconnect backoff was capped, kafka-python waited up to 30 s between reconnects and stalled 28-46 s.
RESUME_BOUND_S = 25.0


class Pipeline:
    """An outbox relay and a consumer of its topic, both on the private broker."""

    def __init__(self, engine: Engine, tables: EventTables, bootstrap: str, prefix: str) -> None:
        self.engine = engine
        self.tables = tables
        self.prefix = prefix
        self.seen: list[str] = []
        self._lock = threading.Lock()
        self.producer = Producer(bootstrap, client_id="recovery-relay")
        self.dlq_producer = Producer(bootstrap, client_id="recovery-dlq")
        self.relay = OutboxRelay(engine, tables, self.producer, poll_seconds=0.05)
        self.runner = ConsumerRunner(
            ConsumerConfig(
                name="recovery",
                group_id=f"{prefix}recovery",
                topics=[f"{prefix}jobs.events"],
                bootstrap=bootstrap,
            ),
            engine,
            tables,
            {JobClosed.type_name(): self._handle},
            self.dlq_producer,
        )

    def _handle(self, session: Session, ev: Any) -> None:
        with self._lock:
            self.seen.append(str(ev.subject))

    def emit(self) -> str:
        """Write one event into the outbox; returns its subject."""
        job_id = uuid.uuid4()
        ev = JobClosed.build(
            JobClosedData(job_id=job_id, employer_id=uuid.uuid4(), reason="closed", version=1), subject=job_id
        )
        with session_scope(self.engine) as session:
            record_event(session, self.tables, ev, topic_prefix=self.prefix)
        return str(job_id)

    def consumed(self, subject: str) -> bool:
        """True once the consumer handled the event with this subject."""
        with self._lock:
            return subject in self.seen

    def stop(self) -> None:
        """Stop both loops and close the clients."""
        self.runner.stop(timeout=20)
        self.relay.stop(timeout=20)
        self.producer.close()
        self.dlq_producer.close()


@pytest.fixture
def pipeline(private_broker: PrivateBroker, tmp_path: Path) -> Iterator[Pipeline]:
    """A running relay and consumer on a SQLite database of the test's own."""
    metadata = MetaData()
    tables = define_event_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path / 'events.db'}")
    metadata.create_all(engine)
    prefix = f"rec{uuid.uuid4().hex[:8]}."
    ensure_topics(private_broker.bootstrap, prefix, partitions=2)
    p = Pipeline(engine, tables, private_broker.bootstrap, prefix)
    p.relay.start()
    p.runner.start()
    yield p
    p.stop()
    engine.dispose()


def test_relay_and_consumer_resume_soon_after_the_broker_answers_again(
    pipeline: Pipeline, private_broker: PrivateBroker, caplog: pytest.LogCaptureFixture
) -> None:
    first = pipeline.emit()
    assert wait_for(lambda: pipeline.consumed(first), timeout=60), "the pipeline never worked"

    private_broker.stop()
    during = pipeline.emit()
    # Long enough for the clients to back off a few times against the closed port.
    time.sleep(8)
    assert not pipeline.consumed(during)
    private_broker.start()
    answered = time.monotonic()
    after = pipeline.emit()
    assert wait_for(lambda: pipeline.consumed(during) and pipeline.consumed(after), timeout=RESUME_BOUND_S), (
        f"consumption had not resumed {RESUME_BOUND_S:.0f} s after the broker answered again"
    )
    resumed_in = time.monotonic() - answered
    logging.getLogger(__name__).warning("resumed %.1f s after the broker answered", resumed_in)
    assert pipeline.seen.count(during) == 1
    assert pipeline.seen.count(after) == 1


def test_stopping_while_the_broker_is_down_ends_the_loops_without_tracebacks(
    pipeline: Pipeline, private_broker: PrivateBroker, caplog: pytest.LogCaptureFixture
) -> None:
    first = pipeline.emit()
    assert wait_for(lambda: pipeline.consumed(first), timeout=60)
    private_broker.stop()
    try:
        pipeline.emit()
        time.sleep(3)
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            started = time.monotonic()
            pipeline.stop()
            stopped_in = time.monotonic() - started
        assert pipeline.runner._thread is not None and not pipeline.runner._thread.is_alive()
        assert pipeline.relay._thread is not None and not pipeline.relay._thread.is_alive()
        tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
        assert tracebacks == [], [r.getMessage() for r in tracebacks]
        assert stopped_in < 40
    finally:
        private_broker.start()
