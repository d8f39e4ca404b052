"""Outbox rows of the bulk import's events, serialised from values the import has already validated.

`Event.build` validates a payload the import built from validated rows a second time and `to_json` walks
the models: about 65 µs a worker. Here the envelope is a plain dict in the model's field order, without
the None fields, serialised by pydantic-core's own encoder (the one `model_dump_json` uses), so the wire
bytes are the same; tests/workers/unit/test_event_rows.py compares them with the models' for generated rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from anju_common.clock import utcnow
from anju_common.events import Contract, Event
from pydantic_core import to_json


def new_ids(n: int) -> list[uuid.UUID]:
    """n random (version 4) UUIDs from one os.urandom call instead of one each."""
    raw = os.urandom(16 * n)
    return [uuid.UUID(bytes=raw[i : i + 16], version=4) for i in range(0, 16 * n, 16)]


def without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a payload that to_json(exclude_none=True) writes."""
    return {k: v for k, v in values.items() if v is not None}


def flat_payload(model: Contract, **update: Any) -> dict[str, Any]:
    """A payload without nested models (Location, HouseholdData) as to_json writes it, fields updated."""
    return without_none({**model.model_dump(), **update})


@cache
def _names(cls: type[Event]) -> tuple[str, str, str]:
    """The envelope's source, type and dataschema of an event class (as Event.build writes them)."""
    source, kind = cls.SOURCE_SERVICE, cls.type_name()
    schema = f"urn:anju:{source}:{kind.removeprefix(f'anju.{source}.')}:v{cls.SCHEMA_VERSION}"
    return f"/anju/{source}", kind, schema


def event_json(
    cls: type[Event], data: Mapping[str, Any], *, event_id: uuid.UUID, subject: str, request_id: str | None
) -> bytes:
    """cls.build(data, subject=…, request_id=…).to_json() for a payload given as JSON-ready values."""
    source, kind, schema = _names(cls)
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": kind,
        "time": utcnow(),
        "subject": subject,
        "datacontenttype": "application/json",
        "dataschema": schema,
    }
    if request_id is not None:
        envelope["requestid"] = request_id
    envelope["data"] = data
    return to_json(envelope)


def outbox_row(
    cls: type[Event], payload: bytes, *, event_id: uuid.UUID, subject: str, topic_prefix: str, now: datetime
) -> dict[str, Any]:
    """The outbox row of one serialised event (the columns anju_common.outbox.outbox_rows writes)."""
    return {
        "event_id": str(event_id),
        "topic": f"{topic_prefix}{cls.topic()}",
        "key": subject,
        "event_type": _names(cls)[1],
        "payload": payload.decode(),
        "created_at": now,
        "attempts": 0,
    }
