"""Event contracts: CloudEvents 1.0 envelopes, one module per publishing service, one discriminated union.

Each service module lists its classes in EVENTS; the union below is built from all of them, so adding an
event means adding a class to its service's module and to that module's EVENTS tuple.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from anju_common.events import jobs, matching, notifications, workers
from anju_common.events.base import *  # noqa: F403
from anju_common.events.base import Event
from anju_common.events.jobs import *  # noqa: F403
from anju_common.events.matching import *  # noqa: F403
from anju_common.events.notifications import *  # noqa: F403
from anju_common.events.workers import *  # noqa: F403

EVENT_CLASSES: tuple[type[Event], ...] = (
    *jobs.EVENTS,
    *workers.EVENTS,
    *matching.EVENTS,
    *notifications.EVENTS,
)
TOPICS: tuple[str, ...] = ("jobs.events", "workers.events", "matching.events", "notifications.events")
EVENT_TYPES: dict[str, type[Event]] = {cls.type_name(): cls for cls in EVENT_CLASSES}

# The union is assembled at import time from every module's EVENTS tuple.
AnyEvent = Annotated[Union[EVENT_CLASSES], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyEvent)


def parse_event(raw: bytes | str) -> Event:
    """Validate wire bytes into the matching event class; raises pydantic.ValidationError."""
    event: Event = EVENT_ADAPTER.validate_json(raw)
    return event
