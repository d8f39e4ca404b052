"""Statistics of a site: labour force, employment rate, zero-employment households and retention. Every
total is the sum of each of its breakdowns."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date

from anju_common.principal import Principal
from sqlmodel import Session

from workers import placement_repository as prepo
from workers import repository as repo
from workers.alerts import month_of
from workers.config import get_settings, today
from workers.follow_ups import add_months
from workers.guards import staff_only
from workers.identity import mask_name
from workers.models import Placement
from workers.schemas import (
    CategoryStats,
    FellBackHousehold,
    GroupStats,
    RefusalOut,
    RetentionFigure,
    RetentionGroup,
    RetentionStats,
    SiteStats,
    ZeroEmploymentHousehold,
)
from workers.sites import get_site

# Labour-capable members a household declared who are not registered as workers: counted in the labour
# force (they are household members), so the breakdown by livelihood type needs them to add up.
NOT_REGISTERED = "not_registered"
UNKNOWN = "unknown"


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
    rest_labour = labour - sum(g.labour_force for g in by_type)
    rest_employed = employed - sum(g.employed for g in by_type)
    if rest_labour or rest_employed:
        by_type.append(
            GroupStats(
                key=NOT_REGISTERED,
                labour_force=rest_labour,
                employed=rest_employed,
                employment_rate=_rate(rest_employed, rest_labour),
            )
        )
    month = month_of(on)
    fell = prepo.alerts_of_month(session, site.id, "household_fell_back_to_zero", month)
    households = prepo.households_by_id(session, [a.household_id for a in fell if a.household_id])
    fell_back = [
        FellBackHousehold(
            household_id=a.household_id,
            household_ref=households[a.household_id].household_ref if a.household_id in households else None,
            fell_back_at=a.created_at,
        )
        for a in fell
        if a.household_id
    ]
    refusals = [
        RefusalOut(
            worker_id=w.id, name_masked=mask_name(w.name) or "", refused_at=w.automated_matching_refused_at
        )
        for w in prepo.refusals_of_site(session, site.id)
    ]
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
        retention=retention(prepo.placements_of_site(session, site.id), get_settings().retention_months, on),
        fell_back_to_zero_this_month=len({h.household_id for h in fell_back}),
        fell_back_to_zero=fell_back,
        automated_matching_refusals=refusals,
    )


def retained(started_on: date, ended_on: date | None, months: int, on: date) -> bool | None:
    """Whether a placement counts for N-month retention as of a day: None when it started less than N
    months ago; else True when it was still active N months after its start (ending that day counts)."""
    mark = add_months(started_on, months)
    if mark > on:
        return None
    return ended_on is None or ended_on >= mark


def figures(
    rows: Sequence[tuple[date, date | None]], months: Sequence[int], on: date
) -> list[RetentionFigure]:
    """N-month retention of (started_on, ended_on) rows for each N."""
    out: list[RetentionFigure] = []
    for n in months:
        counted = [r for r in (retained(s, e, n, on) for s, e in rows) if r is not None]
        kept = sum(counted)
        out.append(
            RetentionFigure(months=n, started=len(counted), retained=kept, rate=_rate(kept, len(counted)))
        )
    return out


def _groups(
    rows: Sequence[Placement],
    key: Callable[[Placement], tuple[str, str | None]],
    months: Sequence[int],
    on: date,
) -> list[RetentionGroup]:
    by: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    names: dict[str, str | None] = {}
    for p in rows:
        k, name = key(p)
        by[k].append((p.started_on, p.ended_on))
        names[k] = names.get(k) or name
    return [RetentionGroup(key=k, name=names[k], figures=figures(by[k], months, on)) for k in sorted(by)]


def retention(rows: Sequence[Placement], months: Sequence[int], on: date) -> RetentionStats:
    """Retention of a site's placements, overall and by employer, livelihood type and job kind."""
    wanted = sorted(set(months))
    return RetentionStats(
        months=wanted,
        placements=len(rows),
        active=sum(1 for p in rows if p.status == "active"),
        overall=figures([(p.started_on, p.ended_on) for p in rows], wanted, on),
        by_employer=_groups(
            rows,
            lambda p: (str(p.employer_id) if p.employer_id else UNKNOWN, p.employer_name or None),
            wanted,
            on,
        ),
        by_livelihood_type=_groups(rows, lambda p: (p.livelihood_type.value, None), wanted, on),
        by_job_kind=_groups(rows, lambda p: (p.job_kind.value if p.job_kind else UNKNOWN, None), wanted, on),
    )
