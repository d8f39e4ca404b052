"""Site alerts for the office feed: employment fell month on month, a household fell back to zero
employment, a worker reports unpaid wages. Each is raised once (a dedupe key per month, transition or
follow-up), so replays and timer rounds on several replicas are harmless."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from anju_common.clock import utcnow
from anju_common.events import SiteAlertRaised, SiteAlertRaisedData
from sqlmodel import Session

from workers import placement_repository as prepo
from workers import repository as repo
from workers.config import get_settings
from workers.models import Household, Placement, SiteAlert, SiteEmploymentMonth, emit


def month_of(on: date) -> str:
    """YYYY-MM of a date."""
    return f"{on.year:04d}-{on.month:02d}"


def previous_month(on: date) -> str:
    """YYYY-MM of the month before a date's month."""
    return month_of(on.replace(day=1) - timedelta(days=1))


def dropped(previous: int, now: int, share: float) -> bool:
    """Whether the employed count fell from previous to now by at least this share (of previous)."""
    return previous > 0 and now < previous and (previous - now) / previous >= share


def _raise(
    session: Session,
    data: SiteAlertRaisedData,
    dedupe_key: str,
    on: date,
    request_id: str | None = None,
) -> bool:
    if prepo.alert_exists(session, dedupe_key):
        return False
    prepo.save(
        session,
        SiteAlert(
            site_id=data.site_id,
            kind=data.kind,
            month=data.month or month_of(on),
            dedupe_key=dedupe_key,
            household_id=data.household_id,
            worker_id=data.worker_id,
        ),
    )
    session.flush()
    emit(session, SiteAlertRaised.build(data, subject=data.site_id, request_id=request_id))
    return True


def household_fell_back(
    session: Session, household: Household, worker_id: uuid.UUID | None, on: date, request_id: str | None
) -> bool:
    """A household that had work has none now: the office must act at once."""
    ref = household.household_ref or str(household.id)[:8]
    data = SiteAlertRaisedData(
        site_id=household.site_id,
        kind="household_fell_back_to_zero",
        household_id=household.id,
        worker_id=worker_id,
        month=month_of(on),
        zh=f"家庭 {ref} 已无人就业，重新成为零就业户，请尽快帮扶",
        en=f"household {ref} has fallen back to zero employment: act now",
    )
    key = f"household_fell_back_to_zero:{household.id}:v{household.version}"
    return _raise(session, data, key, on, request_id)


def wage_arrears(
    session: Session, placement: Placement, follow_up_id: uuid.UUID, on: date, request_id: str | None
) -> bool:
    """A worker reports unpaid wages (a poverty-return risk signal)."""
    where = placement.employer_name or placement.job_title or "用人单位"
    where_en = placement.employer_name or placement.job_title or "the employer"
    data = SiteAlertRaisedData(
        site_id=placement.site_id,
        kind="wage_arrears",
        household_id=placement.household_id,
        worker_id=placement.worker_id,
        month=month_of(on),
        zh=f"有劳动力反映{where}工资未发，请核实并协助追讨",
        en=f"a worker reports unpaid wages at {where_en}: check and help recover them",
    )
    return _raise(session, data, f"wage_arrears:{follow_up_id}", on, request_id)


def check_employment_drops(session: Session, on: date) -> int:
    """Record each site's employed count for this month; a site whose count fell by the configured share
    since last month's last count raises employment_drop once this month. Returns alerts raised."""
    month, before_month = month_of(on), previous_month(on)
    share = get_settings().employment_drop_share
    current = prepo.employed_by_site(session)
    snapshots = prepo.employment_months(session, month)
    before = prepo.employment_months(session, before_month)
    raised = 0
    for site_id in sorted(set(current) | set(snapshots) | set(before)):
        employed = current.get(site_id, 0)
        row = snapshots.get(site_id)
        if row is None:
            prepo.save(session, SiteEmploymentMonth(site_id=site_id, month=month, employed=employed))
        elif row.employed != employed:
            row.employed, row.updated_at = employed, utcnow()
            prepo.save(session, row)
        base = before.get(site_id)
        if base is None or not dropped(base.employed, employed, share):
            continue
        key = f"employment_drop:{site_id}:{month}"
        if prepo.alert_exists(session, key):
            continue
        site = repo.get_site(session, site_id)
        name = site.name if site else str(site_id)
        pct = round(100 * (base.employed - employed) / base.employed)
        data = SiteAlertRaisedData(
            site_id=site_id,
            kind="employment_drop",
            month=month,
            previous_employed=base.employed,
            employed=employed,
            zh=f"安置点「{name}」就业人数由上月的 {base.employed} 人降至 {employed} 人（下降 {pct}%）",
            en=f"employed at site {name} fell from {base.employed} last month to {employed} (-{pct}%)",
        )
        session.flush()
        raised += int(_raise(session, data, key, on))
    session.flush()
    return raised
