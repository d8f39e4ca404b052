"""Follow-up offsets, retention and the employment-drop rule: pure date and share arithmetic."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from anju_common.events import EmployerKind, LivelihoodType
from workers.alerts import dropped, month_of, previous_month
from workers.follow_ups import add_months, due_dates, overdue_from
from workers.models import Placement
from workers.stats import figures, retained, retention


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 10, 10), 3, date(2027, 1, 10)),
        (date(2026, 12, 1), 6, date(2027, 6, 1)),
        (date(2026, 7, 31), 6, date(2027, 1, 31)),
        (date(2026, 3, 5), 12, date(2027, 3, 5)),
        (date(2026, 3, 5), 0, date(2026, 3, 5)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_due_dates_are_sorted_unique_and_positive() -> None:
    assert due_dates(date(2026, 1, 31), [6, 1, 3, 3, 0]) == [
        (1, date(2026, 2, 28)),
        (3, date(2026, 4, 30)),
        (6, date(2026, 7, 31)),
    ]
    assert overdue_from(date(2026, 2, 27), 3) == date(2026, 3, 2)


def test_retained_counts_only_placements_old_enough_and_active_through_the_mark() -> None:
    start, on = date(2026, 1, 10), date(2026, 4, 20)
    assert retained(start, None, 1, on) is True
    assert retained(start, date(2026, 2, 9), 1, on) is False  # left the day before the mark
    assert retained(start, date(2026, 2, 10), 1, on) is True  # still there on the mark
    assert retained(start, date(2026, 3, 1), 3, on) is False
    assert retained(start, None, 6, on) is None  # not six months old yet
    assert retained(date(2026, 3, 21), None, 1, on) is None
    assert retained(date(2026, 3, 20), None, 1, on) is True


def test_figures_divide_retained_by_old_enough() -> None:
    on = date(2026, 12, 1)
    rows = [
        (date(2026, 1, 1), None),
        (date(2026, 1, 1), date(2026, 1, 20)),
        (date(2026, 5, 1), date(2026, 9, 1)),
        (date(2026, 11, 15), None),
    ]
    one, three, six = figures(rows, [1, 3, 6], on)
    assert (one.started, one.retained, one.rate) == (3, 2, 0.6667)
    assert (three.started, three.retained) == (3, 2)
    assert (six.started, six.retained, six.rate) == (3, 1, 0.3333)


def _placement(
    employer: uuid.UUID | None, kind: EmployerKind | None, lt: LivelihoodType, start: date
) -> Placement:
    return Placement(
        worker_id=uuid.uuid4(),
        household_id=uuid.uuid4(),
        site_id=uuid.uuid4(),
        employer_id=employer,
        employer_name="车间" if employer else "",
        job_kind=kind,
        livelihood_type=lt,
        started_on=start,
    )


def test_every_breakdown_of_retention_sums_to_the_overall_figure() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    rows = [
        _placement(a, EmployerKind.workshop, LivelihoodType.local, date(2026, 1, 5)),
        _placement(a, EmployerKind.workshop, LivelihoodType.migrant, date(2026, 6, 5)),
        _placement(b, None, LivelihoodType.local, date(2026, 9, 5)),
        _placement(None, EmployerKind.enterprise, LivelihoodType.worker_peasant, date(2026, 11, 20)),
    ]
    rows[1].status, rows[1].ended_on = "ended", date(2026, 7, 1)
    r = retention(rows, [6, 1, 3], date(2026, 12, 1))
    assert r.months == [1, 3, 6] and r.placements == 4 and r.active == 3
    for groups in (r.by_employer, r.by_livelihood_type, r.by_job_kind):
        for i, total in enumerate(r.overall):
            assert sum(g.figures[i].started for g in groups) == total.started
            assert sum(g.figures[i].retained for g in groups) == total.retained
    assert {g.key for g in r.by_job_kind} == {"workshop", "enterprise", "unknown"}
    assert {g.key for g in r.by_employer} == {str(a), str(b), "unknown"}
    assert [(f.started, f.retained) for f in r.overall] == [(3, 2), (2, 1), (1, 1)]


def test_employment_drop_rule_and_months() -> None:
    assert dropped(10, 8, 0.2) and not dropped(10, 9, 0.2)
    assert not dropped(0, 0, 0.2) and not dropped(5, 6, 0.2)
    assert month_of(date(2026, 1, 31)) == "2026-01"
    assert previous_month(date(2026, 1, 31)) == "2025-12"
    assert previous_month(date(2026, 3, 1)) == "2026-02"
