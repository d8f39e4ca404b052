"""Event contracts: every class round-trips, unknown or malformed input is refused."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from anju_common.events import (
    EVENT_CLASSES,
    EVENT_TYPES,
    TOPICS,
    EmployerKind,
    JobData,
    JobPosted,
    Location,
    Shift,
    parse_event,
)
from pydantic import ValidationError


def _job() -> JobData:
    return JobData(
        job_id=uuid.uuid4(),
        employer_id=uuid.uuid4(),
        employer_name="车间",
        employer_kind=EmployerKind.workshop,
        title="缝纫工",
        skills=["缝纫"],
        headcount=3,
        wage_min=3000,
        wage_max=4000,
        location=Location(province="贵州省", lat=26.1, lon=106.6),
        shift=Shift.day,
        starts_on=date(2030, 1, 1),
    )


def test_every_event_type_is_named_in_the_past_tense_and_lives_on_its_services_topic() -> None:
    assert len(EVENT_TYPES) == len(EVENT_CLASSES)
    for cls in EVENT_CLASSES:
        name = cls.__name__
        assert name.endswith(("ed", "Sent", "OptedOut", "FellDue", "WentOverdue")), name
        assert cls.topic() in TOPICS
        assert cls.type_name().startswith(f"anju.{cls.SOURCE_SERVICE}.")


def test_envelope_round_trips_through_the_union() -> None:
    ev = JobPosted.build(_job(), subject="abc", request_id="r-1")
    wire = ev.to_json()
    body = json.loads(wire)
    assert body["specversion"] == "1.0"
    assert body["source"] == "/anju/jobs"
    assert body["dataschema"] == "urn:anju:jobs:job.posted:v1"
    assert body["data"]["title"] == "缝纫工"
    back = parse_event(wire)
    assert isinstance(back, JobPosted)
    assert back == ev
    assert ev.key() == b"abc"


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"type": "anju.jobs.job.exploded"}',
        b'{"specversion": "1.0", "type": "anju.jobs.job.posted", "source": "/anju/jobs", "subject": "x", '
        b'"dataschema": "u", "id": "00000000-0000-0000-0000-000000000000", "data": {"job_id": "nope"}}',
    ],
)
def test_malformed_or_unknown_events_are_rejected(raw: bytes) -> None:
    with pytest.raises(ValidationError):
        parse_event(raw)


def test_payloads_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        JobData.model_validate({**_job().model_dump(), "gender": "f"})
