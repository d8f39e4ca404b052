"""A vocabulary that grows: unknown spellings counted by site, aliases admins add, and applying them.

An alias is stored (taxonomy_alias) and published (taxonomy.alias_added / alias_removed) in the request's
transaction. The matching consumer reads its own event back: it rebuilds the process's vocabulary with
every stored alias (`Vocabulary.with_aliases`), reads the profiles the spelling touches again and re-ranks
them, so the proposals (and their SMS) follow as for any new job or worker. Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from anju_common.clock import utcnow
from anju_common.errors import ConflictError, InvalidFieldError, NotFoundError
from anju_common.events import (
    JobData,
    TaxonomyAliasAdded,
    TaxonomyAliasData,
    TaxonomyAliasRemoved,
    WorkerData,
)
from anju_common.logs import get_logger
from anju_taxonomy import Vocabulary, clean
from sqlmodel import Session

from matching import repository as repo
from matching import taxonomy_repository as trepo
from matching.engine.profiles import JobProfile, WorkerProfile, job_profile, worker_profile
from matching.models import TaxonomyAlias, TaxonomyUnknownTerm, emit
from matching.offers import offer_training
from matching.proposals import propose_for_job, propose_for_worker
from matching.state import MatchingState

log = get_logger(__name__)
WORKER, JOB = "worker", "job"
_KIND_EXAMPLE = {WORKER: "worker_skill", JOB: "job_skill"}


def alias_key(alias: str) -> str:
    """The spelling as the vocabulary compares it."""
    return clean(alias)


# ------------------------------------------------------------------ counting what did not normalise


def unknown_terms(profile: WorkerProfile | JobProfile, written: Iterable[str]) -> dict[str, str]:
    """Free-text skills of a profile -> the entry each was written in (an example for the admin)."""
    entries = [(clean(w), w) for w in written]
    out: dict[str, str] = {}
    for s in profile.skills:
        if s.skill_id is None and s.text:
            out[s.text] = next((raw for c, raw in entries if s.text in c), s.text)[:200]
    return out


def record_unknown(
    session: Session,
    kind: str,
    subject_id: uuid.UUID,
    site_id: uuid.UUID | None,
    terms: dict[str, str],
    *,
    new: bool = False,
) -> None:
    """Bring one profile's unknown spellings up to date and recount the sites they changed at (new: the
    profile was never stored, so it holds none yet and they are not looked up)."""
    now = utcnow()
    held = {} if new else {u.term: u for u in trepo.uses_of(session, kind, subject_id)}
    gone = [t for t, u in held.items() if t not in terms or u.site_id != site_id]
    touched = {(t, held[t].site_id) for t in gone}
    trepo.delete_uses(session, kind, subject_id, gone)
    for term in terms:
        if term not in held or term in gone:
            trepo.add_use(session, kind, subject_id, term, site_id, now)
            touched.add((term, site_id))
    if not touched:
        return
    session.flush()
    for term, site in sorted(touched, key=lambda x: (x[0], str(x[1]))):
        row = trepo.get_unknown(session, term, site, for_update=True)
        n = trepo.count_uses(session, term, site)
        if row is None:
            if n == 0:
                continue
            row = TaxonomyUnknownTerm(
                term=term,
                site_id=site,
                example_kind=_KIND_EXAMPLE[kind],
                example_text=terms.get(term, term),
                first_seen_at=now,
            )
        if site == site_id and term in terms:
            row.last_seen_at = now
        row.count = n
        session.add(row)
    session.flush()


def record_worker(session: Session, data: WorkerData, profile: WorkerProfile, *, new: bool = False) -> None:
    """A worker's unknown skills (none once inactive; new: a worker never stored before)."""
    terms = unknown_terms(profile, [s.name for s in data.skills]) if data.active else {}
    record_unknown(session, WORKER, data.worker_id, data.site_id, terms, new=new)


def record_job(session: Session, data: JobData, profile: JobProfile, *, new: bool = False) -> None:
    """A job's unknown required skills (new: a job never stored before)."""
    terms = unknown_terms(profile, data.skills)
    record_unknown(session, JOB, data.job_id, data.location.site_id, terms, new=new)


# ------------------------------------------------------------------ aliases


def _reads_as_other(vocab: Vocabulary, alias: str, trade_id: str) -> list[str]:
    """Trades the vocabulary already reads the whole spelling as, when that is not trade_id."""
    r = vocab.read(alias)
    if not r.trades or r.unknown or trade_id in r.trade_ids:
        return []
    return [f"{h.zh} ({h.trade_id})" for h in r.trades]


def add_alias(
    session: Session, vocab: Vocabulary, alias: str, trade_id: str, *, force: bool, actor: str
) -> tuple[TaxonomyAlias, bool]:
    """Validate and store an alias, publish it and take it off the unknown list; (row, created)."""
    key = alias_key(alias)
    if not key:
        raise InvalidFieldError("alias", "the alias is empty once spaces and punctuation are removed")
    trade = vocab.trade(trade_id)
    if trade is None:
        raise InvalidFieldError("trade_id", f"no trade {trade_id} in the vocabulary")
    current = trepo.get_alias(session, key, for_update=True)
    if current is not None and current.trade_id == trade_id:
        return current, False
    if current is not None and not force:
        other = vocab.trade(current.trade_id)
        raise ConflictError(
            f"the alias {key} already means {other.zh if other else current.trade_id} "
            f"({current.trade_id}); send force=true to change it",
            trade_id=current.trade_id,
        )
    others = [] if current is not None else _reads_as_other(vocab, key, trade_id)
    if others and not force:
        raise ConflictError(
            f"the vocabulary already reads {key} as {', '.join(others)}; send force=true to add the meaning",
            reads_as=others,
        )
    row = current or TaxonomyAlias(key=key, alias=alias.strip()[:100], trade_id=trade_id)
    row.alias, row.trade_id, row.forced = alias.strip()[:100], trade_id, bool(force and (others or current))
    row.created_by, row.created_at = actor[:100], utcnow()
    session.add(row)
    session.flush()
    trepo.forget_terms(session, [key])
    data = TaxonomyAliasData(
        alias=row.alias, key=key, trade_id=trade_id, trade_zh=trade.zh, trade_en=trade.en, actor=actor
    )
    emit(session, TaxonomyAliasAdded.build(data, subject=key))
    log.info("matching.alias_added", key=key, trade_id=trade_id, forced=row.forced)
    return row, current is None


def remove_alias(session: Session, vocab: Vocabulary, key: str, *, actor: str) -> TaxonomyAlias:
    """Delete an alias and publish it; profiles read with it are read again by the consumer."""
    row = trepo.get_alias(session, key, for_update=True)
    if row is None:
        raise NotFoundError("alias", key)
    trade = vocab.trade(row.trade_id)
    data = TaxonomyAliasData(
        alias=row.alias,
        key=row.key,
        trade_id=row.trade_id,
        trade_zh=trade.zh if trade else "",
        trade_en=trade.en if trade else "",
        actor=actor,
    )
    session.delete(row)
    emit(session, TaxonomyAliasRemoved.build(data, subject=row.key))
    log.info("matching.alias_removed", key=row.key, trade_id=row.trade_id)
    return row


def load_vocabulary(session: Session, state: MatchingState) -> Vocabulary:
    """The process's vocabulary: the shipped one plus every stored alias (at startup and on each change)."""
    stored = trepo.all_aliases(session)
    vocab = state.base.with_aliases(stored) if stored else state.base
    state.set_vocabulary(vocab)
    return vocab


# ------------------------------------------------------------------ applying a change


def _touched(profile: WorkerProfile | JobProfile, keys: list[str]) -> bool:
    return any(k in s.text for s in profile.skills for k in keys)


def apply_alias_change(session: Session, state: MatchingState, keys: list[str], day: date) -> tuple[int, int]:
    """Rebuild the vocabulary, read again the profiles these spellings touch and re-rank them.

    Touched: a skill whose cleaned text holds the spelling (the alias's pinyin or initials typed alone are
    picked up by the next update of that profile or by `renormalise`). Returns (profiles read, proposals).
    """
    load_vocabulary(session, state)
    norm = state.norm
    worker_ids = [p.worker_id for p in list(state.workers.profiles) if p.active and _touched(p, keys)]
    job_ids = [j.job_id for j in list(state.jobs.profiles) if _touched(j, keys)]
    hired = repo.hired_counts(session) if job_ids else {}
    jobs: list[JobProfile] = []
    for job_id in job_ids:
        jv = repo.get_job_view(session, job_id)
        if jv is None or jv.data is None:
            continue
        data = JobData.model_validate(jv.data)
        seats = data.headcount - max(data.hired_count, hired.get(data.job_id, 0))
        if jv.status != data.status:
            data = data.model_copy(update={"status": jv.status})
        job = job_profile(data, norm, seats)
        state.jobs.upsert(job)
        record_job(session, data, job)
        jobs.append(job)
    workers: list[WorkerProfile] = []
    for worker_id in worker_ids:
        wv = repo.get_worker_view(session, worker_id)
        if wv is None or wv.data is None or not wv.active:
            continue
        wdata = WorkerData.model_validate(wv.data)
        worker = worker_profile(wdata, norm, risk=wv.risk_cause is not None)
        state.workers.upsert(worker)
        record_worker(session, wdata, worker)
        workers.append(worker)
    made = 0
    for job in sorted(jobs, key=lambda j: j.job_id.int):
        made += len(propose_for_job(session, state, job, day))
    for worker in sorted(workers, key=lambda w: w.worker_id.int):
        household = state.workers.household_of(worker.worker_id)
        proposed, best = propose_for_worker(session, state, worker, household, day)
        made += len(proposed)
        offer_training(session, state, worker, household, day, best)
    log.info("matching.alias_applied", keys=len(keys), jobs=len(jobs), workers=len(workers), proposed=made)
    return len(jobs) + len(workers), made
