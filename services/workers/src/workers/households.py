"""Households: their recorded facts and the signals derived from their members (zero employment)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from anju_common.errors import ConflictError, InvalidFieldError, NotFoundError, check_version
from anju_common.events import HouseholdUpdated
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlmodel import Session

from workers import repository as repo
from workers.config import get_settings, today
from workers.guards import no_nulls, staff_only
from workers.models import Household, emit
from workers.schemas import HouseholdCreate, HouseholdUpdate
from workers.sites import visible_site
from workers.views import household_data


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
            bump(session, h, flush=False)
            changed.append(h)
    if changed:
        session.flush()
    events = [HouseholdUpdated.build(household_data(h), subject=h.id, request_id=request_id) for h in changed]
    repo.record_events(session, events, get_settings().topic_prefix)
    return changed


def create_household(
    session: Session, data: HouseholdCreate, principal: Principal, request_id: str | None
) -> Household:
    """Register a household; it starts zero-employment when it declares labour-capable members."""
    staff_only(principal)
    visible_site(session, data.site_id, principal, "body.site_id")
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
    emit(
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
    no_nulls(patch, nullable={"household_ref", "labour_capable_count"})
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


def visible_household(
    session: Session, household_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Household:
    household = repo.get_household(session, household_id, for_update=for_update)
    if household is None or not principal.can_see_site(household.site_id):
        raise InvalidFieldError("body.household_id", f"no household {household_id} in your scope")
    return household
