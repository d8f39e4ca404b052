"""What the run's stores say after the fact: database rows, Kafka record timestamps, the peer's log."""

from __future__ import annotations

import json
import time
from datetime import datetime

from anju_common.events.jobs import JobPosted
from anju_common.events.matching import MatchProposed
from kafka import KafkaConsumer, TopicPartition

from bench.chaos.drill import query
from bench.e2e.pairing import Rows
from tests.e2e.harness import Stack


def _s(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def rows(stack: Stack) -> Rows:
    """Read every store's timestamps (after the drain)."""
    out = Rows()
    for job_id, created in query(stack, "jobs", "SELECT id, created_at FROM job"):
        out.job_created[str(job_id)] = created.timestamp()
    posted = JobPosted.type_name()
    for key, event_id, published in query(
        stack,
        "jobs",
        f"SELECT key, event_id, published_at FROM outbox_event WHERE event_type = '{posted}'",  # noqa: S608
    ):
        out.job_event[str(key)] = str(event_id)
        if published is not None:
            out.job_published[str(key)] = published.timestamp()
    for job_id, updated in query(stack, "matching", "SELECT job_id, updated_at FROM job_view"):
        out.job_read[str(job_id)] = updated.timestamp()
    for match_id, job_id, created, event_id in query(
        stack, "matching", "SELECT id, job_id, created_at, proposed_event_id FROM match"
    ):
        out.matches[str(match_id)] = {
            "job_id": str(job_id),
            "created": created.timestamp(),
            "event_id": str(event_id) if event_id else None,
        }
    proposed = MatchProposed.type_name()
    for event_id, published in query(
        stack,
        "matching",
        f"SELECT event_id, published_at FROM outbox_event WHERE event_type = '{proposed}'",  # noqa: S608
    ):
        if published is not None:
            out.match_published[str(event_id)] = published.timestamp()
    for note_id, match_id, status, reason, created, submitted in query(
        stack,
        "notifications",
        "SELECT id, match_id, status, status_reason, created_at, submitted_at FROM notification",
    ):
        out.notes[str(note_id)] = {
            "match_id": str(match_id) if match_id else None,
            "status": str(status),
            "reason": reason,
            "created": created.timestamp(),
            "submitting": _s(submitted),
        }
    for message_id, note_id in query(
        stack, "notifications", "SELECT provider_message_id, notification_id FROM sms_part"
    ):
        out.part_note[str(message_id)] = str(note_id)
    out.kafka = record_times(stack, ["jobs.events", "matching.events"])
    return out


def record_times(stack: Stack, topics: list[str], timeout: float = 120) -> dict[str, float]:
    """Event id -> Kafka record timestamp (CreateTime: set by the relay's producer at send) of every record
    of the stack's topics, read from the beginning."""
    consumer = KafkaConsumer(
        bootstrap_servers=stack.infra.kafka_bootstrap, enable_auto_commit=False, group_id=None
    )
    out: dict[str, float] = {}
    try:
        parts = [
            TopicPartition(f"{stack.topic_prefix}{t}", p)
            for t in topics
            for p in consumer.partitions_for_topic(f"{stack.topic_prefix}{t}") or ()
        ]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(consumer.position(tp) < ends[tp] for tp in parts):
            for records in consumer.poll(timeout_ms=1000, max_records=5000).values():
                for rec in records:
                    try:
                        event_id = json.loads(rec.value)["id"]
                    except (ValueError, KeyError, TypeError):
                        continue
                    out[str(event_id)] = rec.timestamp / 1000
    finally:
        consumer.close()
    return out


def consumer_lag(stack: Stack, service: str, topic: str) -> int | None:
    """Records of a topic the service's consumer group has not committed yet (None: the group has no
    offsets yet). The probe only reads the group's committed offsets; it never joins the group."""
    consumer = KafkaConsumer(
        bootstrap_servers=stack.infra.kafka_bootstrap,
        group_id=f"{stack.topic_prefix}{service}",
        enable_auto_commit=False,
    )
    try:
        name = f"{stack.topic_prefix}{topic}"
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        ends = consumer.end_offsets(parts)
        lag = 0
        for tp in parts:
            offset = consumer.committed(tp)
            if offset is None:
                if ends[tp] > 0:
                    return None
                continue
            lag += max(ends[tp] - offset, 0)
        return lag
    finally:
        consumer.close()
