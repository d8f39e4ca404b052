"""Events of the matching service (topic matching.events)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from anju_common.events.base import Contract, Event, MatchStatus, Reason


class _Matching(Event):
    SOURCE_SERVICE: ClassVar[str] = "matching"


class MatchProposedData(Contract):
    """Matching proposes a job to a worker."""

    match_id: uuid.UUID
    job_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    score: float
    breakdown: dict[str, float]
    reasons: list[Reason] = Field(default_factory=list)
    job_title: str
    employer_name: str
    wage_min: int
    wage_max: int
    place: str
    employer_id: uuid.UUID | None = None


class TrainingOfferedData(Contract):
    """Matching offers a course that would unlock jobs for a worker."""

    offer_id: uuid.UUID
    training_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    title: str
    missing_skills: list[str]
    unlocks_job_ids: list[uuid.UUID]
    starts_on: date | None = None
    subsidy_cny: int = 0
    place: str


class MatchStatusChangedData(Contract):
    """A match moved from one status to another."""

    match_id: uuid.UUID
    job_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    employer_id: uuid.UUID | None = None
    from_status: MatchStatus
    to_status: MatchStatus
    job_title: str = ""
    actor: str = "system"
    note: str | None = None


class ZeroEmploymentAlertedData(Contract):
    """A zero-employment household passed its deadline; the office must act."""

    household_id: uuid.UUID
    site_id: uuid.UUID
    zero_employment_since: date
    working_days: int
    proposed_job_ids: list[uuid.UUID] = Field(default_factory=list)


class TrainingOfferAcceptedData(Contract):
    """A worker said yes to a course offer: jobs enrols them or puts them on the waiting list."""

    offer_id: uuid.UUID
    training_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    channel: Literal["sms", "staff"] = "sms"


class TaxonomyAliasData(Contract):
    """An admin taught the vocabulary a spelling (alias -> trade), or took one back."""

    alias: str = Field(min_length=1, max_length=100, description="the spelling as the admin wrote it")
    key: str = Field(description="the spelling as the vocabulary compares it (cleaned)")
    trade_id: str
    trade_zh: str = ""
    trade_en: str = ""
    actor: str = "system"


class MatchProposed(_Matching):
    """Matching proposed a job to a worker."""

    type: Literal["anju.matching.match.proposed"] = "anju.matching.match.proposed"
    data: MatchProposedData


class TrainingOffered(_Matching):
    """Matching offered a course to a worker."""

    type: Literal["anju.matching.training.offered"] = "anju.matching.training.offered"
    data: TrainingOfferedData


class MatchStatusChanged(_Matching):
    """A match changed status."""

    type: Literal["anju.matching.match.status_changed"] = "anju.matching.match.status_changed"
    data: MatchStatusChangedData


class ZeroEmploymentAlerted(_Matching):
    """A zero-employment household passed its deadline."""

    type: Literal["anju.matching.household.zero_employment_alerted"] = (
        "anju.matching.household.zero_employment_alerted"
    )
    data: ZeroEmploymentAlertedData


class TrainingOfferAccepted(_Matching):
    """A worker accepted a course offer."""

    type: Literal["anju.matching.training.offer_accepted"] = "anju.matching.training.offer_accepted"
    data: TrainingOfferAcceptedData


class TaxonomyAliasAdded(_Matching):
    """An alias was added to the vocabulary: every service reads skills with it from now on."""

    type: Literal["anju.matching.taxonomy.alias_added"] = "anju.matching.taxonomy.alias_added"
    data: TaxonomyAliasData


class TaxonomyAliasRemoved(_Matching):
    """An alias was removed from the vocabulary."""

    type: Literal["anju.matching.taxonomy.alias_removed"] = "anju.matching.taxonomy.alias_removed"
    data: TaxonomyAliasData


EVENTS: tuple[type[Event], ...] = (
    MatchProposed,
    TrainingOffered,
    MatchStatusChanged,
    ZeroEmploymentAlerted,
    TrainingOfferAccepted,
    TaxonomyAliasAdded,
    TaxonomyAliasRemoved,
)
