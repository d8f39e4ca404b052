"""Match status rules and working days."""

from __future__ import annotations

from datetime import date

import pytest
from anju_common.events import MatchStatus as S
from matching.lifecycle import TRANSITIONS
from matching.zero_employment import working_days

LEGAL = [
    (S.proposed, S.notified),
    (S.notified, S.interested),
    (S.notified, S.declined),
    (S.proposed, S.interested),
    (S.interested, S.referred),
    (S.referred, S.hired),
    (S.referred, S.rejected),
    (S.hired, S.left),
    (S.proposed, S.expired),
    (S.notified, S.expired),
    (S.interested, S.expired),
    (S.referred, S.expired),
]
ILLEGAL = [
    (S.proposed, S.hired),
    (S.proposed, S.referred),
    (S.notified, S.hired),
    (S.declined, S.interested),
    (S.expired, S.notified),
    (S.rejected, S.hired),
    (S.hired, S.rejected),
    (S.left, S.hired),
    (S.interested, S.interested),
]


@pytest.mark.parametrize(("frm", "to"), LEGAL)
def test_legal_transitions(frm: S, to: S) -> None:
    assert to in TRANSITIONS[frm]


@pytest.mark.parametrize(("frm", "to"), ILLEGAL)
def test_illegal_transitions(frm: S, to: S) -> None:
    assert to not in TRANSITIONS[frm]


def test_every_status_has_a_rule() -> None:
    assert set(TRANSITIONS) == set(S)


def test_working_days_skip_weekends() -> None:
    assert working_days(date(2026, 11, 2), date(2026, 11, 16)) == 10  # Mon .. Mon two weeks later
    assert working_days(date(2026, 11, 7), date(2026, 11, 9)) == 0  # Saturday to Monday
    assert working_days(date(2026, 11, 20), date(2026, 11, 10)) == 0
