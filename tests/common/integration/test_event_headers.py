"""What the relay publishes carries the event's type in a header beside the structured CloudEvent, so a
consumer skips the types it has no handler for without parsing them (real PostgreSQL and Kafka)."""

from __future__ import annotations

import uuid

import pytest
from anju_common.db import make_engine, session_scope
from anju_common.event_tables import define_event_tables
from anju_common.events import JobClosed, JobClosedData
from anju_common.kafka import Producer, record_type
from anju_common.outbox import TYPE_HEADER, OutboxRelay, record_event
from anju_common.testing import Infra, topic_records, wait_for
from anju_common.topics import ensure_topics
from sqlalchemy import MetaData

pytestmark = pytest.mark.integration


def test_a_relayed_event_names_its_type_in_a_header(infra: Infra) -> None:
    ensure_topics(infra.kafka_bootstrap, prefix=infra.topic_prefix)
    metadata = MetaData()
    tables = define_event_tables(metadata)
    engine = make_engine(infra.create_database("kitheaders"))
    metadata.create_all(engine)
    producer = Producer(infra.kafka_bootstrap, client_id="headers-relay")
    relay = OutboxRelay(engine, tables, producer, poll_seconds=0.05)
    job_id = uuid.uuid4()
    ev = JobClosed.build(
        JobClosedData(job_id=job_id, employer_id=uuid.uuid4(), reason="closed", version=1), subject=job_id
    )
    try:
        with session_scope(engine) as session:
            record_event(session, tables, ev, topic_prefix=infra.topic_prefix)
        relay.start()
        topic = infra.topic("jobs.events")
        records = wait_for(lambda: topic_records(infra.kafka_bootstrap, topic), timeout=30)
        assert records, "the relay published nothing"
        [record] = records
        headers = dict(record.headers)
        assert headers["content-type"].startswith(b"application/cloudevents+json")
        assert headers[TYPE_HEADER] == JobClosed.type_name().encode()
        assert record_type(record) == JobClosed.type_name() == ev.type
    finally:
        relay.stop(timeout=20)
        producer.close()
        engine.dispose()
