"""Workers: registration, changes of their facts, deactivation and erasure of their personal data."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from anju_common.clock import utcnow
from anju_common.errors import ConflictError, InvalidFieldError, NotFoundError, check_version
from anju_common.events import (
    LivelihoodType,
    WorkerDeactivated,
    WorkerDeactivatedData,
    WorkerRegistered,
    WorkerUpdated,
)
from anju_common.places import patched_place, place_columns
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlmodel import Session

from workers import repository as repo
from workers.guards import no_nulls, staff_only
from workers.households import refresh_households, visible_household
from workers.identity import id_birth_year
from workers.models import Worker, emit
from workers.pii import (
    decrypt_id_number,
    decrypt_phone,
    phone_name_hash,
    sealed_fields,
    sealed_id_number,
    sealed_phone,
)
from workers.schemas import WorkerCreate, WorkerUpdate
from workers.skills import skill_ids_column, vocabulary
from workers.views import worker_data

DEFAULT_COMMUTE_KM: dict[LivelihoodType, float] = {
    LivelihoodType.migrant: 3000.0,
    LivelihoodType.local: 30.0,
    LivelihoodType.worker_peasant: 15.0,
    LivelihoodType.returnee_agriculture: 10.0,
}


_WORKER_NULLABLE = {
    "gender",
    "id_number",
    "education",
    "home_county",
    "home_province",
    "max_commute_km",
    "expected_wage_min",
    "available_from",
    "language_notes",
}


PERSONAL_FIELDS = (
    "name",
    "gender",
    "birth_year",
    "phone_enc",
    "phone_hash",
    "id_number_enc",
    "id_number_hash",
    "phone_name_hash",
    "phone_last4_hash",
    "id_last4_hash",
    "home_county",
    "home_county_code",
    "home_province",
    "home_province_code",
    "language_notes",
    "education",
    "expected_wage_min",
    "available_from",
)


def skills_text(skills: Iterable[dict[str, Any]]) -> str:
    """Lower-cased skill names joined for substring search."""
    return "|".join(str(s["name"]).lower() for s in skills)


def _check_unique(session: Session, worker: Worker, principal: Principal) -> None:
    """One person, one worker: the same ID number, the same phone and name (the import's natural keys),
    or the same phone and name within a household is a 409. The existing worker's id is named only when
    it is in the caller's scope; otherwise nothing tells where it is registered."""
    candidates: list[tuple[Worker | None, str]] = [
        (repo.worker_by_natural_key(session, worker.id_number_hash, None), "this ID number"),
        (repo.worker_by_natural_key(session, None, worker.phone_name_hash), "this phone number and name"),
    ]
    if worker.phone_hash and worker.name:
        same = repo.same_person_in_household(
            session, worker.household_id, worker.phone_hash, worker.name, worker.id
        )
        candidates.append((same, "this phone number and name in the household"))
    for other, what in candidates:
        if other is None or other.id == worker.id:
            continue
        if principal.can_see_site(other.site_id):
            raise ConflictError(
                f"该人员已登记 / a worker with {what} is already registered",
                existing_worker_id=str(other.id),
            )
        raise ConflictError(
            f"该人员已登记，不在你的管辖范围内 / "
            f"a worker with {what} is already registered outside your sites"
        )


def profile_columns(data: Any, sealed: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Column values of a new worker that follow from its validated fields alone (sealed: precomputed);
    no household, site or vocabulary, so the bulk import computes them in its helper process."""
    skills = [s.model_dump() for s in data.skills]
    return {
        "name": data.name,
        "gender": data.gender,
        "birth_year": data.birth_year,
        **(sealed or sealed_fields(data)),
        "education": data.education,
        **place_columns(data.home_province, data.home_county, prefix="home_"),
        "skills": skills,
        "skills_text": skills_text(skills),
        "livelihood_type": data.livelihood_type,
        "max_commute_km": data.max_commute_km or DEFAULT_COMMUTE_KM[data.livelihood_type],
        "caregiver": data.caregiver,
        "physical_limitations": list(data.physical_limitations),
        "expected_wage_min": data.expected_wage_min,
        "available_from": data.available_from,
        "unavailable_months": list(data.unavailable_months),
        "employment_status": data.employment_status,
        "sms_consent": data.sms_consent,
        "share_consent": data.share_consent,
        "language_notes": data.language_notes,
    }


def new_worker_fields(
    data: Any, household_id: uuid.UUID, site_id: uuid.UUID, sealed: dict[str, str | None] | None = None
) -> dict[str, Any]:
    """Column values of a new worker from a validated create or import row (sealed: precomputed)."""
    columns = profile_columns(data, sealed)
    return {
        "household_id": household_id,
        "site_id": site_id,
        **columns,
        "skill_ids": skill_ids_column(columns["skills"]),
    }


def create_worker(
    session: Session, data: WorkerCreate, principal: Principal, request_id: str | None
) -> Worker:
    """Register a worker; emits worker.registered (and household.updated when its signals change)."""
    staff_only(principal)
    # Lock the household before inserting: two registrations into one household would otherwise each take
    # the foreign key's share lock, then deadlock upgrading it to recount the household.
    household = visible_household(session, data.household_id, principal, for_update=True)
    worker = Worker(**new_worker_fields(data, household.id, household.site_id))
    _check_unique(session, worker, principal)
    session.add(worker)
    session.flush()
    refresh_households(session, [household.id], request_id)
    site = repo.get_site(session, worker.site_id)
    assert site is not None
    emit(
        session,
        WorkerRegistered.build(
            worker_data(worker, household, site), subject=worker.id, request_id=request_id
        ),
    )
    return worker


def get_worker(
    session: Session, worker_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Worker:
    """A worker in scope, else 404."""
    worker = repo.get_worker(session, worker_id, principal, for_update=for_update)
    if worker is None:
        raise NotFoundError("worker", worker_id)
    return worker


def editable(session: Session, worker_id: uuid.UUID, principal: Principal) -> Worker:
    staff_only(principal)
    worker = get_worker(session, worker_id, principal, for_update=True)
    if worker.erased_at is not None:
        raise ConflictError("the worker's personal data was erased; register again instead")
    return worker


def publish_worker(session: Session, worker: Worker, request_id: str | None) -> None:
    household = repo.get_household(session, worker.household_id)
    site = repo.get_site(session, worker.site_id)
    assert household is not None and site is not None
    emit(
        session,
        WorkerUpdated.build(worker_data(worker, household, site), subject=worker.id, request_id=request_id),
    )


def update_worker(
    session: Session,
    worker_id: uuid.UUID,
    patch: WorkerUpdate,
    principal: Principal,
    if_match: int | None,
    request_id: str | None,
) -> Worker:
    """Apply a partial update under optimistic concurrency; emits worker.updated."""
    worker = editable(session, worker_id, principal)
    check_version(worker.version, if_match, patch.version)
    if not worker.active:
        raise ConflictError("the worker is deactivated")
    changes = patch.model_dump(
        exclude_unset=True,
        exclude={"version", "phone", "id_number", "skills", "home_province", "home_county"},
    )
    if {"home_province", "home_county"} & patch.model_fields_set:
        new = (patch.home_province, patch.home_county)
        current = (worker.home_province_code, worker.home_county_code)
        changes.update(patched_place(patch.model_fields_set, new, current, prefix="home_"))
    no_nulls(patch, nullable=_WORKER_NULLABLE)
    id_number = patch.id_number if "id_number" in patch.model_fields_set else decrypt_id_number(worker)
    birth_year = changes.get("birth_year", worker.birth_year)
    if id_number and birth_year != id_birth_year(id_number):
        field = "body.birth_year" if "birth_year" in changes else "body.id_number"
        raise InvalidFieldError(field, "birth year and the birth date in id_number disagree")
    old_household = worker.household_id
    if patch.household_id is not None and patch.household_id != worker.household_id:
        household = visible_household(session, patch.household_id, principal)
        changes["site_id"] = household.site_id
    if patch.skills is not None:
        worker.skills = [s.model_dump() for s in patch.skills]
        worker.skills_text = skills_text(worker.skills)
        worker.skill_ids = skill_ids_column(worker.skills, vocabulary(session))
    if "id_number" in patch.model_fields_set:
        for key, value in sealed_id_number(patch.id_number).items():
            setattr(worker, key, value)
    if patch.phone is not None:
        for key, value in sealed_phone(patch.phone).items():
            setattr(worker, key, value)
    refused = changes.get("automated_matching_refused")
    if refused is not None and refused != worker.automated_matching_refused:
        worker.automated_matching_refused_at = utcnow()
    if "max_commute_km" in changes and changes["max_commute_km"] is None:
        changes["max_commute_km"] = DEFAULT_COMMUTE_KM[changes.get("livelihood_type", worker.livelihood_type)]
    for key, value in changes.items():
        setattr(worker, key, value)
    phone = decrypt_phone(worker)
    worker.phone_name_hash = (
        phone_name_hash(phone, worker.name) if phone and worker.name and not worker.id_number_hash else None
    )
    _check_unique(session, worker, principal)
    bump(session, worker)
    refresh_households(session, {old_household, worker.household_id}, request_id)
    publish_worker(session, worker, request_id)
    return worker


def deactivate_worker(
    session: Session, worker_id: uuid.UUID, reason: str, principal: Principal, request_id: str | None
) -> Worker:
    """The worker moved away: no longer matched or counted; emits worker.deactivated."""
    worker = editable(session, worker_id, principal)
    if not worker.active:
        raise ConflictError("the worker is already deactivated")
    worker.active = False
    worker.deactivated_reason = reason
    worker.deactivated_at = utcnow()
    _close(session, worker, reason, request_id)
    return worker


def _close(session: Session, worker: Worker, reason: str, request_id: str | None) -> None:
    bump(session, worker)
    refresh_households(session, [worker.household_id], request_id)
    data = WorkerDeactivatedData(
        worker_id=worker.id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        reason=reason,  # type: ignore[arg-type]
        version=worker.version,
    )
    emit(session, WorkerDeactivated.build(data, subject=worker.id, request_id=request_id))


def erase_worker(
    session: Session, worker_id: uuid.UUID, principal: Principal, request_id: str | None
) -> Worker:
    """Destroy personal fields on request (PIPL); livelihood type and employment remain for statistics."""
    staff_only(principal)
    worker = get_worker(session, worker_id, principal, for_update=True)
    if worker.erased_at is not None:
        return worker
    for field in PERSONAL_FIELDS:
        setattr(worker, field, None)
    worker.physical_limitations = []
    worker.skills = []
    worker.skills_text = ""
    worker.skill_ids = ""
    worker.unavailable_months = []
    worker.caregiver = False
    worker.sms_consent = False
    worker.share_consent = False
    worker.erased_at = utcnow()
    repo.delete_referrals(session, worker.id)
    repo.delete_published_events(session, str(worker.id))
    worker.active = False
    worker.deactivated_reason = "erased"
    worker.deactivated_at = worker.deactivated_at or worker.erased_at
    _close(session, worker, "erased", request_id)
    return worker


def on_opted_out(session: Session, worker_id: uuid.UUID) -> None:
    """TD by SMS: no more messages; matching learns it from worker.updated."""
    worker = repo.get_worker(session, worker_id, for_update=True)
    if worker is None or worker.erased_at is not None or not worker.sms_consent:
        return
    worker.sms_consent = False
    bump(session, worker)
    if worker.active:
        publish_worker(session, worker, None)


def on_refused_automation(session: Session, worker_id: uuid.UUID, at: datetime) -> None:
    """The worker refused automated matching by SMS (PIPL art. 24): recorded with its time, published."""
    worker = repo.get_worker(session, worker_id, for_update=True)
    if worker is None or worker.erased_at is not None or worker.automated_matching_refused:
        return
    worker.automated_matching_refused, worker.automated_matching_refused_at = True, at
    bump(session, worker)
    if worker.active:
        publish_worker(session, worker, None)
