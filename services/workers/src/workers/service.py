"""Business rules of the workers service; callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from anju_common.crypto import FieldCipher
from anju_common.errors import ConflictError, ForbiddenError, InvalidFieldError, NotFoundError, check_version
from anju_common.events import (
    EmploymentChanged,
    EmploymentChangedData,
    EmploymentStatus,
    Event,
    HouseholdData,
    HouseholdUpdated,
    LivelihoodType,
    Location,
    SkillData,
    WorkerData,
    WorkerDeactivated,
    WorkerDeactivatedData,
    WorkerRegistered,
    WorkerUpdated,
)
from anju_common.outbox import record_event
from anju_common.pii import mask_id_number, mask_phone
from anju_common.principal import Principal
from pydantic import BaseModel
from sqlmodel import Session

from workers import repository as repo
from workers.config import get_settings
from workers.identity import id_birth_year, mask_name
from workers.models import Household, Site, Worker, WorkerReferral, event_tables
from workers.schemas import (
    CategoryStats,
    ContactPublic,
    EmploymentCause,
    GroupStats,
    HouseholdCreate,
    HouseholdUpdate,
    SiteCreate,
    SiteStats,
    SiteUpdate,
    SkillOut,
    WorkerCreate,
    WorkerPublic,
    WorkerSharedPublic,
    WorkerUpdate,
    ZeroEmploymentHousehold,
)

# Typical reach of each livelihood flow when the office gives no commute radius (km).
DEFAULT_COMMUTE_KM: dict[LivelihoodType, float] = {
    LivelihoodType.migrant: 3000.0,
    LivelihoodType.local: 30.0,
    LivelihoodType.worker_peasant: 15.0,
    LivelihoodType.returnee_agriculture: 10.0,
}
PHONE_CTX = "worker.phone"
ID_CTX = "worker.id_number"


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in the service's time zone (the offices' calendar)."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


@lru_cache(maxsize=4)
def _cipher(keys: str, hash_key: str, active: str | None) -> FieldCipher:
    return FieldCipher.from_config(keys, hash_key, active)


def cipher() -> FieldCipher:
    """The field cipher of the current settings."""
    s = get_settings()
    return _cipher(s.pii_keys, s.pii_hash_key, s.pii_active_key)


def _emit(session: Session, ev: Event) -> None:
    record_event(session, event_tables, ev, topic_prefix=get_settings().topic_prefix)


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


def _no_nulls(patch: BaseModel, nullable: set[str]) -> None:
    """A PATCH may clear only optional facts; null for anything else is a 422 naming the field."""
    for key in patch.model_fields_set - nullable - {"version"}:
        if getattr(patch, key) is None:
            raise InvalidFieldError(f"body.{key}", "cannot be null")


def _staff_only(principal: Principal) -> None:
    if principal.role == "employer":
        raise ForbiddenError("only employment-office staff manage households and workers")


# ------------------------------------------------------------------ personal fields
def phone_hash(e164: str) -> str:
    """Keyed lookup hash of a normalised phone."""
    return cipher().blind_index(e164, context="phone")


def id_number_hash(id_number: str) -> str:
    """Keyed lookup hash of a normalised ID number."""
    return cipher().blind_index(id_number, context="id_number")


def phone_name_hash(e164: str, name: str) -> str:
    """Natural key of a worker without an ID number."""
    return cipher().blind_index(f"{e164}|{name}", context="phone_name")


def sealed_phone(e164: str) -> dict[str, str]:
    """Columns that hold a phone: ciphertext and lookup hash."""
    return {"phone_enc": cipher().encrypt(e164, context=PHONE_CTX), "phone_hash": phone_hash(e164)}


def sealed_id_number(id_number: str | None) -> dict[str, str | None]:
    """Columns that hold an ID number (all null when there is none)."""
    if not id_number:
        return {"id_number_enc": None, "id_number_hash": None}
    return {
        "id_number_enc": cipher().encrypt(id_number, context=ID_CTX),
        "id_number_hash": id_number_hash(id_number),
    }


def decrypt_phone(worker: Worker) -> str | None:
    """The worker's E.164 phone (internal use only)."""
    return cipher().decrypt(worker.phone_enc, context=PHONE_CTX) if worker.phone_enc else None


def decrypt_id_number(worker: Worker) -> str | None:
    """The worker's ID number (internal use only)."""
    return cipher().decrypt(worker.id_number_enc, context=ID_CTX) if worker.id_number_enc else None


def skills_text(skills: Iterable[dict[str, Any]]) -> str:
    """Lower-cased skill names joined for substring search."""
    return "|".join(str(s["name"]).lower() for s in skills)


# ------------------------------------------------------------------ views
def worker_public(w: Worker) -> WorkerPublic:
    """Staff view: everything, with phone and ID number masked."""
    return WorkerPublic(
        id=w.id,
        household_id=w.household_id,
        site_id=w.site_id,
        name=w.name,
        gender=w.gender,  # type: ignore[arg-type]
        birth_year=w.birth_year,
        phone_masked=mask_phone(decrypt_phone(w)),
        id_number_masked=mask_id_number(decrypt_id_number(w)),
        education=w.education,
        home_county=w.home_county,
        home_province=w.home_province,
        skills=[SkillOut.model_validate(s) for s in w.skills],
        livelihood_type=w.livelihood_type,
        max_commute_km=w.max_commute_km,
        caregiver=w.caregiver,
        physical_limitations=list(w.physical_limitations),
        expected_wage_min=w.expected_wage_min,
        available_from=w.available_from,
        unavailable_months=list(w.unavailable_months),
        employment_status=w.employment_status,
        sms_consent=w.sms_consent,
        share_consent=w.share_consent,
        language_notes=w.language_notes,
        active=w.active,
        deactivated_reason=w.deactivated_reason,
        deactivated_at=w.deactivated_at,
        erased=w.erased_at is not None,
        version=w.version,
        created_at=w.created_at,
        updated_at=w.updated_at,
    )


def worker_shared(w: Worker) -> WorkerSharedPublic:
    """Employer view of a referred, consenting worker: reduced and masked."""
    return WorkerSharedPublic(
        id=w.id,
        name_masked=mask_name(w.name),
        phone_masked=mask_phone(decrypt_phone(w)),
        birth_year=w.birth_year,
        education=w.education,
        skills=[SkillOut.model_validate(s) for s in w.skills],
        livelihood_type=w.livelihood_type,
        available_from=w.available_from,
        expected_wage_min=w.expected_wage_min,
        employment_status=w.employment_status,
    )


def household_data(h: Household) -> HouseholdData:
    """Event payload of a household's priority signals."""
    return HouseholdData(
        household_id=h.id,
        site_id=h.site_id,
        registered_poor=h.registered_poor,
        monitoring_category=h.monitoring_category,
        labour_capable_count=h.labour_capable_count,
        employed_count=h.employed_count,
        zero_employment=h.zero_employment,
        zero_employment_since=h.zero_employment_since,
        version=h.version,
    )


def site_location(site: Site) -> Location:
    """A site as an event location."""
    return Location(
        site_id=site.id,
        county=site.county,
        province=site.province,
        lat=site.lat,
        lon=site.lon,
        name=site.name,
    )


def worker_data(w: Worker, household: Household, site: Site) -> WorkerData:
    """Event payload of a worker's matching profile: no name, phone, ID number or gender."""
    return profile_data(w.model_dump(), household_data(household), site_location(site))


def profile_data(row: Mapping[str, Any], household: HouseholdData, location: Location) -> WorkerData:
    """WorkerData from a worker's column values (an ORM row or a bulk-insert dict)."""
    return WorkerData(
        worker_id=row["id"],
        household_id=row["household_id"],
        site_id=row["site_id"],
        location=location,
        home_county=row["home_county"],
        home_province=row["home_province"],
        birth_year=row["birth_year"] or 0,
        education=row["education"],
        skills=[SkillData.model_validate(s) for s in row["skills"]],
        livelihood_type=row["livelihood_type"],
        max_commute_km=row["max_commute_km"],
        caregiver=row["caregiver"],
        physical_limitations=list(row["physical_limitations"]),
        expected_wage_min=row["expected_wage_min"],
        available_from=row["available_from"],
        unavailable_months=list(row["unavailable_months"]),
        employment_status=row["employment_status"],
        sms_consent=row["sms_consent"],
        share_consent=row["share_consent"],
        active=row["active"],
        household=household,
        version=row["version"],
    )


# ------------------------------------------------------------------ sites
def create_site(session: Session, data: SiteCreate, principal: Principal) -> Site:
    """Register a resettlement site (administrators)."""
    if principal.role not in ("admin", "service"):
        raise ForbiddenError("only administrators register sites")
    site = Site(**data.model_dump())
    session.add(site)
    session.flush()
    return site


def get_site(session: Session, site_id: uuid.UUID, principal: Principal) -> Site:
    """A site in scope, else 404."""
    site = repo.get_site(session, site_id)
    if site is None or (principal.role == "office_staff" and not principal.can_see_site(site_id)):
        raise NotFoundError("site", site_id)
    return site


def update_site(
    session: Session,
    site_id: uuid.UUID,
    patch: SiteUpdate,
    principal: Principal,
    if_match: int | None,
    request_id: str | None,
) -> Site:
    """Change a site; a moved site re-publishes its workers' profiles (their location changed)."""
    if principal.role not in ("admin", "service"):
        raise ForbiddenError("only administrators change sites")
    site = get_site(session, site_id, principal)
    check_version(site.version, if_match, patch.version)
    _no_nulls(patch, nullable=set())
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    moved = any(k in changes and changes[k] != getattr(site, k) for k in ("lat", "lon", "county", "province"))
    for key, value in changes.items():
        setattr(site, key, value)
    site.version += 1
    site.updated_at = _now()
    session.add(site)
    session.flush()
    if moved:
        for w in repo.active_workers_of_site(session, site.id):
            household = repo.get_household(session, w.household_id)
            assert household is not None
            _emit(
                session,
                WorkerUpdated.build(worker_data(w, household, site), subject=w.id, request_id=request_id),
            )
    return site


# ------------------------------------------------------------------ households
def derive_signals(
    declared: int | None, active: int, employed: int, since: date | None, on: date
) -> tuple[int, int, bool, date | None]:
    """(labour_capable_count, employed_count, zero_employment, zero_employment_since) of a household."""
    labour = max(declared or 0, active)
    zero = labour > 0 and employed == 0
    return labour, employed, zero, (since or on) if zero else None


def recount(household: Household, active: int, employed: int, on: date) -> bool:
    """Derive labour force, employed count and the zero-employment flag; True when a signal changed."""
    before = (
        household.labour_capable_count,
        household.employed_count,
        household.zero_employment,
        household.zero_employment_since,
    )
    after = derive_signals(
        household.labour_capable_declared, active, employed, household.zero_employment_since, on
    )
    if before == after:
        return False
    household.labour_capable_count, household.employed_count = after[0], after[1]
    household.zero_employment, household.zero_employment_since = after[2], after[3]
    return True


def refresh_households(
    session: Session, household_ids: Iterable[uuid.UUID], request_id: str | None, *, force: bool = False
) -> list[Household]:
    """Recount households from their workers; emit household.updated for each that changed."""
    households = repo.households_by_ids(session, household_ids, for_update=True)
    counts = repo.member_counts(session, [h.id for h in households])
    on = today()
    changed: list[Household] = []
    for h in households:
        active, employed = counts.get(h.id, (0, 0))
        if recount(h, active, employed, on) or force:
            h.version += 1
            h.updated_at = _now()
            session.add(h)
            changed.append(h)
    if changed:
        session.flush()
    events = [HouseholdUpdated.build(household_data(h), subject=h.id, request_id=request_id) for h in changed]
    repo.record_events(session, events, get_settings().topic_prefix)
    return changed


def _visible_site(session: Session, site_id: uuid.UUID, principal: Principal, field: str) -> Site:
    site = repo.get_site(session, site_id)
    if site is None or not principal.can_see_site(site_id):
        raise InvalidFieldError(field, f"no site {site_id} in your scope")
    return site


def create_household(
    session: Session, data: HouseholdCreate, principal: Principal, request_id: str | None
) -> Household:
    """Register a household; it starts zero-employment when it declares labour-capable members."""
    _staff_only(principal)
    _visible_site(session, data.site_id, principal, "body.site_id")
    if data.household_ref and repo.household_by_ref(session, data.site_id, data.household_ref):
        raise ConflictError(f"household_ref {data.household_ref!r} already exists at this site")
    household = Household(
        site_id=data.site_id,
        household_ref=data.household_ref,
        registered_poor=data.registered_poor,
        monitoring_category=data.monitoring_category,
        labour_capable_declared=data.labour_capable_count,
    )
    recount(household, 0, 0, today())
    session.add(household)
    session.flush()
    _emit(
        session,
        HouseholdUpdated.build(household_data(household), subject=household.id, request_id=request_id),
    )
    return household


def get_household(
    session: Session, household_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Household:
    """A household in scope, else 404."""
    household = repo.get_household(session, household_id, for_update=for_update)
    if household is None or principal.role == "employer" or not principal.can_see_site(household.site_id):
        raise NotFoundError("household", household_id)
    return household


def update_household(
    session: Session,
    household_id: uuid.UUID,
    patch: HouseholdUpdate,
    principal: Principal,
    if_match: int | None,
    request_id: str | None,
) -> Household:
    """Change a household's recorded facts and re-derive its signals."""
    household = get_household(session, household_id, principal, for_update=True)
    check_version(household.version, if_match, patch.version)
    _no_nulls(patch, nullable={"household_ref", "labour_capable_count"})
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    ref = changes.get("household_ref")
    if ref and ref != household.household_ref:
        other = repo.household_by_ref(session, household.site_id, ref)
        if other is not None and other.id != household.id:
            raise ConflictError(f"household_ref {ref!r} already exists at this site")
    if "labour_capable_count" in changes:
        household.labour_capable_declared = changes.pop("labour_capable_count")
    for key, value in changes.items():
        setattr(household, key, value)
    session.add(household)
    session.flush()
    refresh_households(session, [household.id], request_id, force=True)
    return household


# ------------------------------------------------------------------ workers
def _visible_household(session: Session, household_id: uuid.UUID, principal: Principal) -> Household:
    household = repo.get_household(session, household_id)
    if household is None or not principal.can_see_site(household.site_id):
        raise InvalidFieldError("body.household_id", f"no household {household_id} in your scope")
    return household


def _check_unique(session: Session, worker: Worker) -> None:
    for column, value, what in (
        ("id_number_hash", worker.id_number_hash, "this ID number"),
        ("phone_name_hash", worker.phone_name_hash, "this phone number and name"),
    ):
        if value is None:
            continue
        other = repo.worker_by_natural_key(
            session,
            value if column == "id_number_hash" else None,
            value if column == "phone_name_hash" else None,
        )
        if other is not None and other.id != worker.id:
            raise ConflictError(f"a worker with {what} is already registered")


def sealed_fields(data: Any) -> dict[str, str | None]:
    """Ciphertexts and keyed hashes of a new worker's phone and ID number (the natural key among them)."""
    return {
        **sealed_phone(data.phone),
        **sealed_id_number(data.id_number),
        "phone_name_hash": None if data.id_number else phone_name_hash(data.phone, data.name),
    }


def new_worker_fields(
    data: Any, household_id: uuid.UUID, site_id: uuid.UUID, sealed: dict[str, str | None] | None = None
) -> dict[str, Any]:
    """Column values of a new worker from a validated create or import row (sealed: precomputed)."""
    skills = [s.model_dump() for s in data.skills]
    return {
        "household_id": household_id,
        "site_id": site_id,
        "name": data.name,
        "gender": data.gender,
        "birth_year": data.birth_year,
        **(sealed or sealed_fields(data)),
        "education": data.education,
        "home_county": data.home_county,
        "home_province": data.home_province,
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


def create_worker(
    session: Session, data: WorkerCreate, principal: Principal, request_id: str | None
) -> Worker:
    """Register a worker; emits worker.registered (and household.updated when its signals change)."""
    _staff_only(principal)
    household = _visible_household(session, data.household_id, principal)
    worker = Worker(**new_worker_fields(data, household.id, household.site_id))
    _check_unique(session, worker)
    session.add(worker)
    session.flush()
    refresh_households(session, [household.id], request_id)
    site = repo.get_site(session, worker.site_id)
    assert site is not None
    _emit(
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


def _editable(session: Session, worker_id: uuid.UUID, principal: Principal) -> Worker:
    _staff_only(principal)
    worker = get_worker(session, worker_id, principal, for_update=True)
    if worker.erased_at is not None:
        raise ConflictError("the worker's personal data was erased; register again instead")
    return worker


def _publish_worker(session: Session, worker: Worker, request_id: str | None) -> None:
    household = repo.get_household(session, worker.household_id)
    site = repo.get_site(session, worker.site_id)
    assert household is not None and site is not None
    _emit(
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
    worker = _editable(session, worker_id, principal)
    check_version(worker.version, if_match, patch.version)
    if not worker.active:
        raise ConflictError("the worker is deactivated")
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "phone", "id_number", "skills"})
    _no_nulls(patch, nullable=_WORKER_NULLABLE)
    id_number = patch.id_number if "id_number" in patch.model_fields_set else decrypt_id_number(worker)
    birth_year = changes.get("birth_year", worker.birth_year)
    if id_number and birth_year != id_birth_year(id_number):
        field = "body.birth_year" if "birth_year" in changes else "body.id_number"
        raise InvalidFieldError(field, "birth year and the birth date in id_number disagree")
    old_household = worker.household_id
    if patch.household_id is not None and patch.household_id != worker.household_id:
        household = _visible_household(session, patch.household_id, principal)
        changes["site_id"] = household.site_id
    if patch.skills is not None:
        worker.skills = [s.model_dump() for s in patch.skills]
        worker.skills_text = skills_text(worker.skills)
    if "id_number" in patch.model_fields_set:
        for key, value in sealed_id_number(patch.id_number).items():
            setattr(worker, key, value)
    if patch.phone is not None:
        for key, value in sealed_phone(patch.phone).items():
            setattr(worker, key, value)
    if "max_commute_km" in changes and changes["max_commute_km"] is None:
        changes["max_commute_km"] = DEFAULT_COMMUTE_KM[changes.get("livelihood_type", worker.livelihood_type)]
    for key, value in changes.items():
        setattr(worker, key, value)
    phone = decrypt_phone(worker)
    worker.phone_name_hash = (
        phone_name_hash(phone, worker.name) if phone and worker.name and not worker.id_number_hash else None
    )
    _check_unique(session, worker)
    worker.version += 1
    worker.updated_at = _now()
    session.add(worker)
    session.flush()
    refresh_households(session, {old_household, worker.household_id}, request_id)
    _publish_worker(session, worker, request_id)
    return worker


def deactivate_worker(
    session: Session, worker_id: uuid.UUID, reason: str, principal: Principal, request_id: str | None
) -> Worker:
    """The worker moved away: no longer matched or counted; emits worker.deactivated."""
    worker = _editable(session, worker_id, principal)
    if not worker.active:
        raise ConflictError("the worker is already deactivated")
    worker.active = False
    worker.deactivated_reason = reason
    worker.deactivated_at = _now()
    _close(session, worker, reason, request_id)
    return worker


def _close(session: Session, worker: Worker, reason: str, request_id: str | None) -> None:
    worker.version += 1
    worker.updated_at = _now()
    session.add(worker)
    session.flush()
    refresh_households(session, [worker.household_id], request_id)
    data = WorkerDeactivatedData(
        worker_id=worker.id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        reason=reason,  # type: ignore[arg-type]
        version=worker.version,
    )
    _emit(session, WorkerDeactivated.build(data, subject=worker.id, request_id=request_id))


PERSONAL_FIELDS = (
    "name",
    "gender",
    "birth_year",
    "phone_enc",
    "phone_hash",
    "id_number_enc",
    "id_number_hash",
    "phone_name_hash",
    "home_county",
    "home_province",
    "language_notes",
    "education",
    "expected_wage_min",
    "available_from",
)


def erase_worker(
    session: Session, worker_id: uuid.UUID, principal: Principal, request_id: str | None
) -> Worker:
    """Destroy personal fields on request (PIPL); livelihood type and employment remain for statistics."""
    _staff_only(principal)
    worker = get_worker(session, worker_id, principal, for_update=True)
    if worker.erased_at is not None:
        return worker
    for field in PERSONAL_FIELDS:
        setattr(worker, field, None)
    worker.physical_limitations = []
    worker.skills = []
    worker.skills_text = ""
    worker.unavailable_months = []
    worker.caregiver = False
    worker.sms_consent = False
    worker.share_consent = False
    worker.erased_at = _now()
    repo.delete_referrals(session, worker.id)
    repo.delete_published_events(session, str(worker.id))
    worker.active = False
    worker.deactivated_reason = "erased"
    worker.deactivated_at = worker.deactivated_at or worker.erased_at
    _close(session, worker, "erased", request_id)
    return worker


# ------------------------------------------------------------------ employment
def change_employment(
    session: Session,
    worker: Worker,
    status: EmploymentStatus,
    cause: EmploymentCause,
    *,
    job_id: uuid.UUID | None = None,
    match_id: uuid.UUID | None = None,
    request_id: str | None = None,
) -> bool:
    """Set a worker's employment status, recount the household and emit employment.changed.

    Wage arrears are a risk signal even when the status stays the same, so they are always published.
    """
    unchanged = status == worker.employment_status and job_id == worker.current_job_id
    if unchanged and cause != "wage_arrears":
        return False
    previous = worker.employment_status
    worker.employment_status = status
    worker.current_job_id = job_id if status in repo.EMPLOYED_STATUSES else None
    worker.version += 1
    worker.updated_at = _now()
    session.add(worker)
    session.flush()
    refresh_households(session, [worker.household_id], request_id)
    household = repo.get_household(session, worker.household_id)
    assert household is not None
    data = EmploymentChangedData(
        worker_id=worker.id,
        household_id=worker.household_id,
        site_id=worker.site_id,
        previous_status=previous,
        employment_status=status,
        job_id=job_id,
        match_id=match_id,
        cause=cause,
        household=household_data(household),
        version=worker.version,
    )
    _emit(session, EmploymentChanged.build(data, subject=worker.id, request_id=request_id))
    return True


def record_employment(
    session: Session,
    worker_id: uuid.UUID,
    status: EmploymentStatus,
    cause: EmploymentCause,
    job_id: uuid.UUID | None,
    principal: Principal,
    request_id: str | None,
) -> Worker:
    """Staff record a change of employment."""
    worker = _editable(session, worker_id, principal)
    if not worker.active:
        raise ConflictError("the worker is deactivated")
    change_employment(session, worker, status, cause, job_id=job_id, request_id=request_id)
    return worker


def on_hired(session: Session, worker_id: uuid.UUID, job_id: uuid.UUID, match_id: uuid.UUID) -> None:
    """A confirmed hire makes the worker employed."""
    worker = repo.get_worker(session, worker_id, for_update=True)
    if worker is None or not worker.active:
        return
    change_employment(session, worker, EmploymentStatus.employed, "hired", job_id=job_id, match_id=match_id)


def on_left(session: Session, worker_id: uuid.UUID, job_id: uuid.UUID, match_id: uuid.UUID) -> None:
    """Leaving the job the worker holds makes them unemployed (a later hire elsewhere is kept)."""
    worker = repo.get_worker(session, worker_id, for_update=True)
    if worker is None or not worker.active:
        return
    if worker.current_job_id not in (None, job_id) or worker.employment_status not in repo.EMPLOYED_STATUSES:
        return
    change_employment(
        session, worker, EmploymentStatus.unemployed, "left_job", job_id=job_id, match_id=match_id
    )


def on_referred(
    session: Session, worker_id: uuid.UUID, employer_id: uuid.UUID, job_id: uuid.UUID, match_id: uuid.UUID
) -> None:
    """Remember the referral so the employer may see the worker (while share_consent holds)."""
    worker = repo.get_worker(session, worker_id)
    if (
        worker is None
        or worker.erased_at is not None
        or repo.referral_exists(session, worker_id, employer_id)
    ):
        return
    repo.add_referral(
        session,
        WorkerReferral(worker_id=worker_id, employer_id=employer_id, match_id=match_id, job_id=job_id),
    )


def on_opted_out(session: Session, worker_id: uuid.UUID) -> None:
    """TD by SMS: no more messages; matching learns it from worker.updated."""
    worker = repo.get_worker(session, worker_id, for_update=True)
    if worker is None or worker.erased_at is not None or not worker.sms_consent:
        return
    worker.sms_consent = False
    worker.version += 1
    worker.updated_at = _now()
    session.add(worker)
    session.flush()
    if worker.active:
        _publish_worker(session, worker, None)


# ------------------------------------------------------------------ internal
def contact(session: Session, worker_id: uuid.UUID) -> ContactPublic:
    """Decrypted contact details for the notifications service."""
    worker = repo.get_worker(session, worker_id)
    if worker is None:
        raise NotFoundError("worker", worker_id)
    return ContactPublic(
        worker_id=worker.id,
        site_id=worker.site_id,
        household_id=worker.household_id,
        phone=decrypt_phone(worker),
        sms_consent=worker.sms_consent and worker.active,  # no SMS to someone who left the programme
        name=worker.name,
        active=worker.active,
    )


def lookup_by_phone(session: Session, e164: str) -> list[uuid.UUID]:
    """Active workers with this phone, through the keyed hash."""
    return repo.worker_ids_by_phone_hash(session, phone_hash(e164))


def reencrypt_batch(session: Session, limit: int = 500) -> int:
    """Re-seal phones and ID numbers written under an older key; returns how many workers changed."""
    c = cipher()
    rows = repo.workers_needing_rotation(session, c.active_kid, limit)
    for w in rows:
        if w.phone_enc and c.needs_rotation(w.phone_enc):
            w.phone_enc = c.encrypt(c.decrypt(w.phone_enc, context=PHONE_CTX), context=PHONE_CTX)
        if w.id_number_enc and c.needs_rotation(w.id_number_enc):
            w.id_number_enc = c.encrypt(c.decrypt(w.id_number_enc, context=ID_CTX), context=ID_CTX)
        session.add(w)
    session.flush()
    return len(rows)


# ------------------------------------------------------------------ statistics
def _rate(employed: int, labour: int) -> float:
    return round(employed / labour, 4) if labour else 0.0


def site_stats(
    session: Session, site_id: uuid.UUID, principal: Principal, zero_limit: int = 1000
) -> SiteStats:
    """Labour force, employment and zero-employment households of a site, by livelihood type and category."""
    _staff_only(principal)
    site = get_site(session, site_id, principal)
    on = today()
    by_type = [
        GroupStats(key=lt.value, labour_force=n, employed=e, employment_rate=_rate(e, n))
        for lt, n, e in sorted(repo.livelihood_counts(session, site_id), key=lambda r: r[0].value)
    ]
    by_cat = [
        CategoryStats(
            key=cat.value,
            households=n,
            zero_employment_households=z,
            labour_force=lf,
            employed=e,
            employment_rate=_rate(e, lf),
        )
        for cat, n, z, lf, e in sorted(repo.category_counts(session, site_id), key=lambda r: r[0].value)
    ]
    zero = [
        ZeroEmploymentHousehold(
            household_id=h.id,
            household_ref=h.household_ref,
            monitoring_category=h.monitoring_category,
            zero_employment_since=h.zero_employment_since,
            days=(on - h.zero_employment_since).days if h.zero_employment_since else 0,
        )
        for h in repo.zero_employment_households(session, site_id, zero_limit)
    ]
    labour = sum(g.labour_force for g in by_cat)
    employed = sum(g.employed for g in by_cat)
    return SiteStats(
        site_id=site.id,
        site_name=site.name,
        as_of=on,
        households=sum(g.households for g in by_cat),
        labour_force=labour,
        employed=employed,
        employment_rate=_rate(employed, labour),
        zero_employment_households=sum(g.zero_employment_households for g in by_cat),
        zero_employment_longest_days=max((z.days for z in zero), default=0),
        zero_employment=zero,
        by_livelihood_type=by_type,
        by_monitoring_category=by_cat,
    )
