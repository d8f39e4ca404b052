"""Resettlement sites: registered and moved by administrators."""

from __future__ import annotations

import uuid

from anju_common.errors import ForbiddenError, InvalidFieldError, NotFoundError, check_version
from anju_common.events import WorkerUpdated
from anju_common.places import patched_place, place_columns
from anju_common.principal import Principal
from anju_common.versioning import bump
from sqlmodel import Session

from workers import repository as repo
from workers.guards import no_nulls
from workers.models import Site, emit
from workers.schemas import SiteCreate, SiteUpdate
from workers.views import worker_data


def create_site(session: Session, data: SiteCreate, principal: Principal) -> Site:
    """Register a resettlement site (administrators)."""
    if principal.role not in ("admin", "service"):
        raise ForbiddenError("only administrators register sites")
    site = Site(
        **data.model_dump(exclude={"province", "county"}), **place_columns(data.province, data.county)
    )
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
    no_nulls(patch, nullable=set())
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "province", "county"})
    if {"province", "county"} & patch.model_fields_set:
        place = patched_place(patch.model_fields_set, (patch.province, patch.county), _codes(site))
        if place["county_code"] is None:
            raise InvalidFieldError(
                "body.county",
                f"站点的县区「{site.county}」不在新的省份，请一并填写县区 / "
                f"the site's county {site.county!r} is not in the new province: send the county too",
            )
        changes.update(place)
    watched = ("lat", "lon", "county_code", "province_code")
    moved = any(k in changes and changes[k] != getattr(site, k) for k in watched)
    for key, value in changes.items():
        setattr(site, key, value)
    bump(session, site)
    if moved:
        for w in repo.active_workers_of_site(session, site.id):
            household = repo.get_household(session, w.household_id)
            assert household is not None
            emit(
                session,
                WorkerUpdated.build(worker_data(w, household, site), subject=w.id, request_id=request_id),
            )
    return site


def _codes(site: Site) -> tuple[str | None, str | None]:
    return site.province_code, site.county_code


def visible_site(session: Session, site_id: uuid.UUID, principal: Principal, field: str) -> Site:
    site = repo.get_site(session, site_id)
    if site is None or not principal.can_see_site(site_id):
        raise InvalidFieldError(field, f"no site {site_id} in your scope")
    return site
