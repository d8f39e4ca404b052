"""Tables of the matching service: the read model built from events, matches and training offers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from anju_common.clock import utcnow
from anju_common.db import enum_type
from anju_common.event_tables import define_event_tables
from anju_common.events import JobStatus, MatchStatus
from anju_common.outbox import Emitter
from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, UniqueConstraint, text
from sqlalchemy.orm import registry
from sqlmodel import AutoString, Field, SQLModel

from matching.config import get_settings
from matching.lifecycle import PAIR_STATUSES, OfferStatus


class MatchingTable(SQLModel, registry=registry()):
    """Base of this service's tables: its own metadata, apart from other services' models."""


metadata = MatchingTable.metadata
event_tables = define_event_tables(metadata)


def _ts(nullable: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class JobView(MatchingTable, table=True):
    """The latest version of a job seen on jobs.events (data is the JobData payload)."""

    __tablename__ = "job_view"

    job_id: uuid.UUID = Field(primary_key=True)
    version: int
    employer_id: uuid.UUID | None = Field(default=None, index=True)
    site_id: uuid.UUID | None = None
    status: JobStatus = Field(default=JobStatus.open, sa_type=enum_type(JobStatus))
    data: dict[str, Any] | None = _json()
    updated_at: datetime = _ts()


class TrainingView(MatchingTable, table=True):
    """The latest version of a training course (data is the TrainingData payload)."""

    __tablename__ = "training_view"

    training_id: uuid.UUID = Field(primary_key=True)
    version: int
    data: dict[str, Any] | None = _json()
    updated_at: datetime = _ts()


class WorkerView(MatchingTable, table=True):
    """The latest version of a worker's matching profile (data is the WorkerData payload)."""

    __tablename__ = "worker_view"

    worker_id: uuid.UUID = Field(primary_key=True)
    version: int
    household_id: uuid.UUID | None = Field(default=None, index=True)
    site_id: uuid.UUID | None = Field(default=None, index=True)
    active: bool = True
    data: dict[str, Any] | None = _json()
    # Poverty-return risk signal from employment.changed (left_job, wage_arrears); cleared by a hire.
    risk_cause: str | None = Field(default=None, max_length=20)
    risk_since: date | None = None
    # When the worker texted TD (no automatic proposals: they could reach the worker only by SMS);
    # cleared by a later worker.updated with SMS consent given again.
    opted_out_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    updated_at: datetime = _ts()


class HouseholdView(MatchingTable, table=True):
    """A household's priority signals and whether its zero-employment deadline was alerted."""

    __tablename__ = "household_view"

    household_id: uuid.UUID = Field(primary_key=True)
    version: int
    site_id: uuid.UUID | None = None
    zero_employment: bool = Field(default=False, index=True)
    zero_employment_since: date | None = None
    monitoring_category: str = Field(default="none", max_length=32)
    alerted_since: date | None = None
    alerted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    updated_at: datetime = _ts()


_LIVE_PAIR = text("status IN (" + ", ".join(f"'{s.value}'" for s in PAIR_STATUSES) + ")")


class Match(MatchingTable, table=True):
    """A proposal of a job to a worker and where it stands: one live match per pair, ended ones kept."""

    __table_args__ = (
        Index(
            "uq_match_live_pair",
            "job_id",
            "worker_id",
            unique=True,
            postgresql_where=_LIVE_PAIR,
            sqlite_where=_LIVE_PAIR,
        ),
        Index("ix_match_job_worker", "job_id", "worker_id"),
        Index("ix_match_worker_status", "worker_id", "status", "created_at"),
        Index("ix_match_job_status", "job_id", "status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    job_id: uuid.UUID
    worker_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID = Field(index=True)
    employer_id: uuid.UUID | None = Field(default=None, index=True)
    status: MatchStatus = Field(default=MatchStatus.proposed, sa_type=enum_type(MatchStatus))
    score: float
    breakdown: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reasons: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    job_title: str = Field(default="", max_length=200)
    employer_name: str = Field(default="", max_length=200)
    wage_min: int = 0
    wage_max: int = 0
    place: str = Field(default="", max_length=200)
    proposed_event_id: uuid.UUID | None = Field(default=None, unique=True)
    version: int = 1
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class MatchTransition(MatchingTable, table=True):
    """One status change of a match (audit trail)."""

    __tablename__ = "match_transition"

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    match_id: uuid.UUID = Field(index=True)
    from_status: MatchStatus = Field(sa_type=enum_type(MatchStatus))
    to_status: MatchStatus = Field(sa_type=enum_type(MatchStatus))
    actor: str = Field(max_length=100)
    note: str | None = Field(default=None, max_length=500)
    at: datetime = _ts()


class TrainingOffer(MatchingTable, table=True):
    """A course offered to a worker because it would unlock jobs."""

    __tablename__ = "training_offer"
    __table_args__ = (UniqueConstraint("training_id", "worker_id", name="uq_training_offer_worker"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    training_id: uuid.UUID
    worker_id: uuid.UUID = Field(index=True)
    household_id: uuid.UUID
    site_id: uuid.UUID = Field(index=True)
    title: str = Field(default="", max_length=200)
    missing_skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    unlocks_job_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: OfferStatus = Field(default=OfferStatus.offered, sa_type=AutoString(length=20))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class TaxonomyAlias(MatchingTable, table=True):
    """A spelling an admin taught the vocabulary: key (cleaned) -> trade; read with every profile."""

    __tablename__ = "taxonomy_alias"

    key: str = Field(primary_key=True, max_length=100)
    alias: str = Field(max_length=100)
    trade_id: str = Field(max_length=100, index=True)
    forced: bool = False  # it replaced what the shipped vocabulary read the spelling as
    created_by: str = Field(default="system", max_length=100)
    created_at: datetime = _ts()


class TaxonomyUnknownTerm(MatchingTable, table=True):
    """A skill spelling the vocabulary did not understand, per site: how many profiles hold it now."""

    __tablename__ = "taxonomy_unknown_term"
    __table_args__ = (
        UniqueConstraint(
            "term", "site_id", name="uq_taxonomy_unknown_term_site", postgresql_nulls_not_distinct=True
        ),
        Index("ix_taxonomy_unknown_term_rank", "count", "term"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    term: str = Field(max_length=200)
    site_id: uuid.UUID | None = None  # None: jobs posted without a site
    count: int = 0  # workers and jobs whose skills hold it now
    example_kind: str = Field(default="worker_skill", max_length=20)  # worker_skill | job_skill
    example_text: str = Field(default="", max_length=200)  # one entry it was written in
    first_seen_at: datetime = _ts()
    last_seen_at: datetime = _ts()


class TaxonomyUnknownUse(MatchingTable, table=True):
    """Which profile holds an unknown spelling now (so a count is of profiles, not of events)."""

    __tablename__ = "taxonomy_unknown_use"

    kind: str = Field(primary_key=True, max_length=10)  # worker | job
    subject_id: uuid.UUID = Field(primary_key=True)
    term: str = Field(primary_key=True, max_length=200, index=True)
    site_id: uuid.UUID | None = None
    seen_at: datetime = _ts()


class PendingProposal(MatchingTable, table=True):
    """A job, worker or course whose proposals or offers are still to be made (step one done, not two)."""

    __tablename__ = "pending_proposal"

    # One row per request, never coalesced: a request made while another replica holds the same job's row
    # must not vanish when that row is deleted (see matching/proposer.py).
    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    kind: str = Field(max_length=10)  # job | worker | training
    subject_id: uuid.UUID
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


emit = Emitter(event_tables, lambda: get_settings().topic_prefix)
