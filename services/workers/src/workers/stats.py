"""Statistics of a site: labour force, employment rate and zero-employment households."""

from __future__ import annotations

import uuid

from anju_common.principal import Principal
from sqlmodel import Session

from workers import repository as repo
from workers.config import today
from workers.guards import staff_only
from workers.schemas import CategoryStats, GroupStats, SiteStats, ZeroEmploymentHousehold
from workers.sites import get_site


def _rate(employed: int, labour: int) -> float:
    return round(employed / labour, 4) if labour else 0.0


def site_stats(
    session: Session, site_id: uuid.UUID, principal: Principal, zero_limit: int = 1000
) -> SiteStats:
    """Labour force, employment and zero-employment households of a site, by livelihood type and category."""
    staff_only(principal)
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
