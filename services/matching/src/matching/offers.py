"""Training offers: the course that unlocks a worker's blocked jobs, offered once per course and worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from anju_common.clock import utcnow
from anju_common.events import (
    EmploymentStatus,
    ReplyKind,
    TrainingOfferAccepted,
    TrainingOfferAcceptedData,
    TrainingOffered,
    TrainingOfferedData,
    TrainingStatus,
    WorkerRepliedData,
)
from sqlmodel import Session

from matching import repository as repo
from matching.engine.index import within_reach
from matching.engine.profiles import HouseholdProfile, JobProfile, TrainingProfile, WorkerProfile
from matching.lifecycle import OfferStatus
from matching.models import TrainingOffer, emit
from matching.state import MatchingState


def offer_training(
    session: Session,
    state: MatchingState,
    worker: WorkerProfile,
    household: HouseholdProfile | None,
    day: date,
    current_best: float | None,
) -> TrainingOffer | None:
    """Offer the course that unlocks the worker's best blocked jobs, once per course and worker."""
    if (
        not worker.active
        or worker.employment_status == EmploymentStatus.employed
        or worker.worker_id in state.no_auto
    ):
        return None
    found = state.jobs.best_training(worker, household, day, current_best)
    if found is None:
        return None
    course, unlocked = found
    missing = frozenset().union(*(b.missing for b in unlocked)) - worker.skill_ids()
    certs = frozenset().union(*(b.missing_certificates for b in unlocked)) - worker.certificates
    missing |= {CERT + c for c in certs}
    return record_offer(session, state, worker, course, missing, [b.job.job_id for b in unlocked])


CERT = "cert:"  # a missing licence among an offer's missing skills


def _missing_label(state: MatchingState, missing: str) -> str:
    """What an offer names as the gap: the skill, or the licence with the course that leads to it."""
    if missing.startswith(CERT):
        cert = state.norm.certificate(missing[len(CERT) :])
        if cert is None:
            return missing[len(CERT) :]
        return f"{cert.zh}（{cert.course_zh}）" if cert.course_zh else cert.zh
    return state.norm.label(missing, missing)[0]


def held_gaps(worker: WorkerProfile) -> set[str]:
    """Skills and licences a worker has, in the terms of an offer's missing skills."""
    return worker.skill_ids() | {CERT + c for c in worker.certificates}


def record_offer(
    session: Session,
    state: MatchingState,
    worker: WorkerProfile,
    course: TrainingProfile,
    missing_ids: Iterable[str],
    job_ids: list[uuid.UUID],
) -> TrainingOffer | None:
    if repo.offer_exists(session, course.training_id, worker.worker_id):
        return None
    missing = sorted(missing_ids)
    job_ids = job_ids[:5]
    offer = TrainingOffer(
        training_id=course.training_id,
        worker_id=worker.worker_id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        title=course.title,
        missing_skills=missing,
        unlocks_job_ids=[str(j) for j in job_ids],
    )
    if not repo.insert_new_offer(session, offer.model_dump()):
        return None
    data = TrainingOfferedData(
        offer_id=offer.id,
        training_id=course.training_id,
        worker_id=worker.worker_id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        title=course.title,
        missing_skills=[_missing_label(state, m) for m in missing],
        unlocks_job_ids=job_ids,
        starts_on=course.starts_on,
        subsidy_cny=course.subsidy_cny,
        place=course.place,
    )
    emit(session, TrainingOffered.build(data, subject=offer.id))
    return offer


def offer_new_course(
    session: Session, state: MatchingState, course: TrainingProfile, day: date, per_job: int = 200
) -> list[TrainingOffer]:
    """A course was published: offer it to workers it would unlock open jobs for (blocked only by its skills),
    when those jobs beat the best score of their live proposals."""
    if (
        course.status != TrainingStatus.open
        or course.seats_left <= 0
        or (course.starts_on and course.starts_on < day)
    ):
        return []
    unlocks: dict[uuid.UUID, list[tuple[float, JobProfile]]] = {}
    for job in state.jobs.open_jobs():
        taught = job.core_skill_ids() & course.skill_ids
        licences = job.certificates & course.certificates
        if not taught and not licences:
            continue
        # Rank as if the taught skills and licences were not asked for: who would be eligible once trained.
        relaxed = replace(
            job,
            skills=tuple(s for s in job.skills if s.skill_id not in taught),
            certificates=job.certificates - licences,
        )
        for r in state.workers.rank(relaxed, day, per_job, with_reasons=False):
            worker = state.workers.get(r.worker_id)
            if worker is None or not within_reach(worker, course):
                continue
            if not (taught - worker.skill_ids()) and not (licences - worker.certificates):
                continue
            unlocks.setdefault(r.worker_id, []).append((r.score, job))
    offers = []
    best_now = repo.best_live_scores(session, list(unlocks))
    # Who may take the course's few offers: workers it lifts above their best live proposal, the best score
    # it would unlock first (the ranking's priorities included), and only then by id; never the first ids
    # among every worker it unlocks anything for, who may be nobody it helps.
    fits: list[tuple[float, uuid.UUID, WorkerProfile, list[tuple[float, JobProfile]]]] = []
    for worker_id, found in unlocks.items():
        jobs = sorted(found, key=lambda x: (-x[0], x[1].job_id.int))
        current = best_now.get(worker_id)
        worker = state.workers.get(worker_id)
        if worker is None or worker_id in state.no_auto or (current is not None and jobs[0][0] <= current):
            continue
        fits.append((jobs[0][0], worker_id, worker, jobs))
    fits.sort(key=lambda f: (-f[0], f[1].int))
    for _, _id, worker, jobs in fits[: course.seats_left * 3]:
        missing = (
            frozenset().union(*(j.core_skill_ids() & course.skill_ids for _, j in jobs)) - worker.skill_ids()
        )
        certs = (
            frozenset().union(*(j.certificates & course.certificates for _, j in jobs)) - worker.certificates
        )
        missing |= {CERT + c for c in certs}
        offer = record_offer(session, state, worker, course, missing, [j.job_id for _, j in jobs])
        if offer is not None:
            offers.append(offer)
    return offers


def complete_offers(session: Session, worker: WorkerProfile) -> None:
    held = held_gaps(worker)
    for offer in repo.open_offers_of_worker(session, worker.worker_id):
        if offer.missing_skills and set(offer.missing_skills) <= held:
            offer.status = OfferStatus.completed
            offer.updated_at = utcnow()
            session.add(offer)


def reply_to_offer(session: Session, data: WorkerRepliedData) -> None:
    """An SMS reply to a training offer: 1 = interested (training.offer_accepted: jobs enrols the worker),
    anything else = declined."""
    assert data.offer_id is not None
    offer = repo.get_offer(session, data.offer_id, for_update=True)
    if offer is None or offer.worker_id != data.worker_id or offer.status != OfferStatus.offered:
        return
    offer.status = OfferStatus.interested if data.reply == ReplyKind.interested else OfferStatus.declined
    offer.updated_at = utcnow()
    session.add(offer)
    if offer.status == OfferStatus.interested:
        accepted = TrainingOfferAcceptedData(
            offer_id=offer.id,
            training_id=offer.training_id,
            worker_id=offer.worker_id,
            household_id=offer.household_id,
            site_id=offer.site_id,
            channel="sms",
        )
        emit(session, TrainingOfferAccepted.build(accepted, subject=offer.id))
