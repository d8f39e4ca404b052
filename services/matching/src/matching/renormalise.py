"""python -m matching renormalise: read every stored profile again with the current vocabulary.

After a vocabulary upgrade (new anju_taxonomy data, or aliases added), every process reads profiles with
the new vocabulary when it starts (the read model keeps the payloads as written, never the readings).
This command does the same in one process (the shipped vocabulary plus the aliases admins stored),
brings the counts of unknown spellings by site up to date, and then re-ranks every open job with the new
readings, proposing what they unlock exactly as a job.updated would (quotas, weekly caps and the unique
pair rule apply, so running it twice proposes nothing new). It prints what was read and what stayed unknown.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from anju_common.db import make_engine, session_scope
from anju_common.events import JobData, WorkerData
from anju_common.logs import get_logger
from anju_taxonomy import Vocabulary
from sqlalchemy import Engine

from matching import aliases
from matching import repository as repo
from matching.aliases import load_vocabulary
from matching.config import MatchingSettings, get_settings, today
from matching.proposals import propose_for_job
from matching.state import MatchingState

log = get_logger(__name__)


@dataclass
class RenormaliseStats:
    """What the current vocabulary made of the stored profiles."""

    workers: int = 0
    jobs: int = 0
    skills: int = 0
    unknown: Counter[str] = field(default_factory=Counter)
    proposed: int = 0


def renormalise(
    settings: MatchingSettings,
    engine: Engine | None = None,
    *,
    vocabulary: Vocabulary | None = None,
    propose: bool = True,
    day: date | None = None,
) -> RenormaliseStats:
    """Load the read model with the vocabulary, count the readings, and re-rank the open jobs."""
    engine = engine or make_engine(settings.sqlalchemy_url())
    state = MatchingState(settings.params(), vocabulary)
    with session_scope(engine) as session:
        if vocabulary is None:
            load_vocabulary(session, state)
        state.load(session)
        for wv in repo.all_workers(session):
            wp = state.workers.get(wv.worker_id)
            if wp is not None and wv.data is not None:
                aliases.record_worker(session, WorkerData.model_validate(wv.data), wp)
        for jv in repo.all_jobs(session):
            jp = state.jobs.get(jv.job_id)
            if jp is not None and jv.data is not None:
                aliases.record_job(session, JobData.model_validate(jv.data), jp)
    stats = RenormaliseStats(workers=len(state.workers), jobs=len(state.jobs))
    for p in state.workers.profiles:
        for s in p.skills:
            stats.skills += 1
            if s.skill_id is None:
                stats.unknown[s.text] += 1
    for j in state.jobs.profiles:
        for r in j.skills:
            stats.skills += 1
            if r.skill_id is None:
                stats.unknown[r.text] += 1
    if propose:
        for job in sorted(state.jobs.open_jobs(), key=lambda j: j.job_id.int):
            with session_scope(engine) as session:
                stats.proposed += len(propose_for_job(session, state, job, day or today()))
    log.info(
        "matching.renormalised",
        workers=stats.workers,
        jobs=stats.jobs,
        skills=stats.skills,
        unknown=sum(stats.unknown.values()),
        proposed=stats.proposed,
    )
    return stats


def renormalise_command(_: argparse.Namespace) -> None:
    """CLI entry of `python -m matching renormalise`."""
    stats = renormalise(get_settings())
    top = ", ".join(f"{text} ×{n}" for text, n in stats.unknown.most_common(20))
    print(
        f"renormalised: {stats.workers} workers, {stats.jobs} jobs, {stats.skills} skills, "
        f"{sum(stats.unknown.values())} not understood; proposed {stats.proposed}"
        + (f"\nmost frequent unknown: {top}" if top else "")
    )
