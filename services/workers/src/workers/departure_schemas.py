"""Request and response shapes of organised departures and the service-standard ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from workers.schemas import LongName, Notes, Strict

DepartureStatus = Literal["planned", "departed", "cancelled", "completed"]
RosterStatus = Literal["joined", "arrived", "no_reply", "no_show"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]
ContactKind = Literal["guidance", "recommendation", "training_notice"]
ContactChannel = Literal["phone", "visit", "in_person", "sms", "wechat", "group_session"]


class DepartureCreate(Strict):
    """A departure the office plans with a labour-cooperation employer."""

    site_id: uuid.UUID
    employer_id: uuid.UUID | None = Field(
        default=None, description="the labour-cooperation employer (jobs id); workers join from its matches"
    )
    employer_name: LongName
    destination: LongName = Field(description="e.g. 广东省东莞市")
    departs_at: AwareDatetime = Field(description="date and time of departure, with its offset (+08:00)")
    arrives_on: date | None = Field(default=None, description="expected arrival date")
    meeting_point: LongName
    seats: int = Field(ge=1, le=2000)
    escort: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        default="", description="escort staff, e.g. 就业专干 李明"
    )


class DepartureUpdate(Strict):
    """A change of a planned departure (If-Match or version required)."""

    employer_name: LongName | None = None
    destination: LongName | None = None
    departs_at: AwareDatetime | None = None
    arrives_on: date | None = None
    meeting_point: LongName | None = None
    seats: int | None = Field(default=None, ge=1, le=2000)
    escort: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    status: Literal["planned", "departed", "completed"] | None = None
    version: int | None = None


class DepartureCancel(Strict):
    """Why a departure is called off."""

    reason: Reason


class DepartureJoin(Strict):
    """A worker joins: from an accepted match of the departure's employer, or by hand with a reason."""

    worker_id: uuid.UUID
    match_id: uuid.UUID | None = Field(
        default=None, description="the accepted match (interested/referred/hired); the latest one if omitted"
    )
    reason: Reason | None = Field(
        default=None, description="required to add a worker without an accepted match of this employer"
    )


class NoShowIn(Strict):
    """A staff note on a worker who did not turn up."""

    note: Notes | None = None


class DeparturePublic(Strict):
    """A departure as staff see it."""

    id: uuid.UUID
    site_id: uuid.UUID
    employer_id: uuid.UUID | None
    employer_name: str
    destination: str
    departs_at: datetime
    arrives_on: date | None
    meeting_point: str
    seats: int
    seats_taken: int
    escort: str
    status: DepartureStatus
    cancel_reason: str | None
    worker_ids: list[uuid.UUID]
    version: int
    created_at: datetime
    updated_at: datetime


class RosterEntry(Strict):
    """One worker on a departure's roster, phone masked."""

    worker_id: uuid.UUID
    name: str | None
    phone_masked: str | None
    status: RosterStatus
    source: Literal["match", "manual"]
    match_id: uuid.UUID | None
    job_id: uuid.UUID | None
    reason: str | None
    joined_at: datetime
    arrived_at: datetime | None
    no_show_at: datetime | None
    no_show_note: str | None


class Roster(Strict):
    """A departure and who is on it, with the counts the office checks."""

    departure: DeparturePublic
    as_of: date
    counts: dict[RosterStatus, int]
    items: list[RosterEntry]


# ------------------------------------------------------------------ service standard
class ServiceContactIn(Strict):
    """A service a worker received, recorded by staff."""

    kind: ContactKind
    channel: ContactChannel
    note: Notes | None = None
    occurred_at: AwareDatetime | None = Field(default=None, description="when; now if omitted")


class ServiceContactPublic(Strict):
    """One entry of a worker's service ledger."""

    id: uuid.UUID
    worker_id: uuid.UUID
    site_id: uuid.UUID
    kind: ContactKind
    channel: str
    source: Literal["staff", "matching"]
    ref_id: uuid.UUID | None
    note: str | None
    actor: str
    occurred_at: datetime


class ServiceCounts(Strict):
    """How many of each service (or how many short of the standard)."""

    recommendation: int = 0
    guidance: int = 0
    training_notice: int = 0


class WorkerStandard(Strict):
    """A worker's year against the standard: counts received and what is still missing."""

    worker_id: uuid.UUID
    household_id: uuid.UUID
    name_masked: str | None
    phone_masked: str | None
    counts: ServiceCounts
    shortfalls: ServiceCounts
    met: bool


class ServiceStandardReport(Strict):
    """A site's service-standard ledger for a calendar year."""

    site_id: uuid.UUID
    site_name: str
    year: int
    as_of: date
    standard: ServiceCounts
    workers: int
    workers_meeting: int
    workers_short: int
    short_of: ServiceCounts = Field(description="how many workers are short of each service")
    items: list[WorkerStandard]
