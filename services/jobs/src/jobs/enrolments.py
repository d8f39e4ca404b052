"""Course enrolments: a worker's yes takes a seat (or a place on the waiting list), the office records
completion, a withdrawal frees the seat for the first worker waiting. Callers own the transaction."""

from __future__ import annotations

import uuid

from anju_common.clock import utcnow
from anju_common.errors import ConflictError, ForbiddenError, NotFoundError
from anju_common.events import (
    TrainingEnrolmentChanged,
    TrainingEnrolmentData,
    TrainingOfferAcceptedData,
    TrainingPublished,
    TrainingStatus,
)
from anju_common.logs import get_logger
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlmodel import Session

from jobs import repository as repo
from jobs.models import TrainingCourse, TrainingEnrolment, emit
from jobs.service import get_training, training_data

log = get_logger(__name__)
ENROLLED, WAITLISTED, COMPLETED, WITHDRAWN = "enrolled", "waitlisted", "completed", "withdrawn"
ACTIVE = (ENROLLED, WAITLISTED)


def seats_left(course: TrainingCourse) -> int:
    """Free seats of a course."""
    return max(course.seats - course.seats_taken, 0)


def _publish(session: Session, enrolment: TrainingEnrolment, course: TrainingCourse) -> None:
    data = TrainingEnrolmentData(
        enrolment_id=enrolment.id,
        training_id=course.id,
        worker_id=enrolment.worker_id,
        site_id=enrolment.site_id,
        household_id=enrolment.household_id,
        offer_id=enrolment.offer_id,
        status=enrolment.status,  # type: ignore[arg-type]
        title=course.title,
        skills_taught=list(course.skills_taught) if enrolment.status == COMPLETED else [],
        certificate=enrolment.certificate if enrolment.status == COMPLETED else None,
        seats_left=seats_left(course),
        version=enrolment.version,
    )
    emit(session, TrainingEnrolmentChanged.build(data, subject=enrolment.id))


def _seats_changed(session: Session, course: TrainingCourse) -> None:
    """A seat was taken or freed: the course's state (seats_left, full or open) is published again."""
    if course.status != TrainingStatus.closed:
        course.status = TrainingStatus.full if course.seats_taken >= course.seats else TrainingStatus.open
    bump(session, course)
    emit(session, TrainingPublished.build(training_data(course), subject=course.id))


def _take_seat(enrolment: TrainingEnrolment, course: TrainingCourse) -> None:
    enrolment.status = ENROLLED
    course.seats_taken += 1


def on_offer_accepted(session: Session, data: TrainingOfferAcceptedData) -> TrainingEnrolment | None:
    """training.offer_accepted: a seat while one is free, else the waiting list; once per worker and course
    (a worker who withdrew and says yes again queues again)."""
    course = repo.get_training(session, data.training_id, for_update=True)
    if course is None or course.status == TrainingStatus.closed:
        log.info("jobs.enrolment_skipped", training_id=str(data.training_id), reason="closed or unknown")
        return None
    enrolment = repo.get_enrolment(session, course.id, data.worker_id, for_update=True)
    if enrolment is not None and enrolment.status != WITHDRAWN:
        return enrolment
    if enrolment is None:
        enrolment = TrainingEnrolment(
            training_id=course.id,
            worker_id=data.worker_id,
            site_id=data.site_id,
            household_id=data.household_id,
            offer_id=data.offer_id,
            status=WAITLISTED,
        )
    else:
        enrolment.status = WAITLISTED
        enrolment.offer_id = data.offer_id
        enrolment.created_at = utcnow()  # back of the queue
        bump(session, enrolment, flush=False)
    if seats_left(course) > 0:
        _take_seat(enrolment, course)
    session.add(enrolment)
    session.flush()
    if enrolment.status == ENROLLED:
        _seats_changed(session, course)
    _publish(session, enrolment, course)
    return enrolment


def _may_manage(course: TrainingCourse, enrolment: TrainingEnrolment, principal: Principal) -> bool:
    """Who records an enrolment's outcome: office staff of the worker's site, the employer that posted the
    course, administrators."""
    if principal.role == "employer":
        return course.employer_id is not None and course.employer_id == principal.employer_id
    if principal.role == "office_staff":
        return principal.can_see_site(enrolment.site_id)
    return principal.role in ("admin", "service")


def _managed(
    session: Session, training_id: uuid.UUID, worker_id: uuid.UUID, principal: Principal
) -> tuple[TrainingCourse, TrainingEnrolment]:
    course = get_training(session, training_id, for_update=True)
    enrolment = repo.get_enrolment(session, training_id, worker_id, for_update=True)
    if enrolment is None or not _may_manage(course, enrolment, principal):
        raise NotFoundError("enrolment", worker_id)
    return course, enrolment


def complete(
    session: Session,
    training_id: uuid.UUID,
    worker_id: uuid.UUID,
    certificate: str | None,
    principal: Principal,
) -> TrainingEnrolment:
    """The worker finished the course: training.enrolment_changed(completed) carries the skills taught and
    the certificate, which workers adds to the worker's record."""
    course, enrolment = _managed(session, training_id, worker_id, principal)
    if enrolment.status != ENROLLED:
        raise ConflictError(f"only an enrolled worker completes a course; this one is {enrolment.status}")
    enrolment.status = COMPLETED
    enrolment.certificate = certificate or course.certificate
    enrolment.completed_at = utcnow()
    bump(session, enrolment)
    _publish(session, enrolment, course)
    return enrolment


def withdraw(
    session: Session, training_id: uuid.UUID, worker_id: uuid.UUID, principal: Principal
) -> TrainingEnrolment:
    """The worker leaves the course or the waiting list; a freed seat goes to the first worker waiting."""
    course, enrolment = _managed(session, training_id, worker_id, principal)
    if enrolment.status not in ACTIVE:
        raise ConflictError(f"only an enrolled or waiting worker withdraws; this one is {enrolment.status}")
    freed = enrolment.status == ENROLLED
    enrolment.status = WITHDRAWN
    bump(session, enrolment)
    if freed:
        course.seats_taken = max(course.seats_taken - 1, 0)
    _publish(session, enrolment, course)
    if freed:
        nxt = repo.first_waiting(session, course.id)
        if nxt is not None and course.status != TrainingStatus.closed:
            _take_seat(nxt, course)
            bump(session, nxt)
            _publish(session, nxt, course)
        _seats_changed(session, course)
    return enrolment


def enrolments_of(session: Session, training_id: uuid.UUID, principal: Principal) -> list[TrainingEnrolment]:
    """A course's enrolments the caller may see, in queue order."""
    if principal.role == "employer":
        course = get_training(session, training_id)
        if course.employer_id is None or course.employer_id != principal.employer_id:
            raise ForbiddenError("an employer sees the enrolments of the courses it posted only")
    else:
        get_training(session, training_id)
    rows = repo.enrolments_of_course(session, training_id)
    if principal.role == "office_staff":
        return [e for e in rows if principal.can_see_site(e.site_id)]
    return list(rows)
