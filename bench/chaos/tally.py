"""Counting at the SMPP peer: proposals without their SMS, SMS sent twice, and SMS nobody asked for."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The job offer says 月薪{wage_min}-{wage_max}元 (or 月薪{wage}元); each job of a run has its own wage_min.
WAGE = re.compile(r"月薪(\d+)(?:-\d+)?元")


@dataclass(frozen=True)
class Proposal:
    """One match the matching service stored, with what the run knows of its worker."""

    match_id: str
    job_id: str
    worker_id: str
    wage_min: int
    phone: str | None  # digits without '+', None when the worker is not one the run loaded
    consent: bool


@dataclass
class Tally:
    """What the SMPP peer received against what was proposed."""

    proposals: int = 0
    notifications: int = 0  # proposals to consenting workers: each must reach the peer once
    submits: int = 0
    lost: list[str] = field(default_factory=list)  # match ids
    duplicated: list[str] = field(default_factory=list)  # match ids submitted more than once
    duplicated_not_in_doubt: list[str] = field(default_factory=list)
    extra_submits: int = 0  # submits beyond the first of a duplicated notification
    unexpected: int = 0  # submits that answer no consenting proposal
    in_doubt: int = 0  # rows the notifications service recorded as in doubt

    @property
    def target_met(self) -> bool:
        """0 lost, a duplicate only for a row recorded in doubt, nothing sent that was not asked for."""
        return not self.lost and not self.duplicated_not_in_doubt and not self.unexpected

    def summary(self, limit: int = 20) -> dict[str, Any]:
        """The counts, with up to `limit` ids of each kind of miss."""
        return {
            "proposals": self.proposals,
            "notifications": self.notifications,
            "submits": self.submits,
            "lost": len(self.lost),
            "duplicated": len(self.duplicated),
            "duplicated_not_in_doubt": len(self.duplicated_not_in_doubt),
            "extra_submits": self.extra_submits,
            "unexpected": self.unexpected,
            "in_doubt": self.in_doubt,
            "lost_match_ids": self.lost[:limit],
            "duplicated_match_ids": self.duplicated[:limit],
            "duplicated_not_in_doubt_match_ids": self.duplicated_not_in_doubt[:limit],
            "target_met": self.target_met,
        }


def submit_key(entry: Mapping[str, Any]) -> tuple[str, int] | None:
    """(destination, wage_min) of one submit_sm the peer logged; None for a text that is no job offer."""
    found = WAGE.search(str(entry.get("text", "")))
    if found is None:
        return None
    return str(entry["dest"]).lstrip("+"), int(found.group(1))


def tally(
    proposals: Iterable[Proposal], submits: Iterable[Mapping[str, Any]], in_doubt_matches: set[str]
) -> Tally:
    """Match every submit to the proposal of its (number, job) and count the misses."""
    result = Tally(in_doubt=len(in_doubt_matches))
    counts: Counter[tuple[str, int] | None] = Counter()
    for entry in submits:
        counts[submit_key(entry)] += 1
        result.submits += 1
    answered: set[tuple[str, int]] = set()
    for p in proposals:
        result.proposals += 1
        if p.phone is None or not p.consent:
            continue
        result.notifications += 1
        key = (p.phone, p.wage_min)
        answered.add(key)
        seen = counts.get(key, 0)
        if seen == 0:
            result.lost.append(p.match_id)
        elif seen > 1:
            result.duplicated.append(p.match_id)
            result.extra_submits += seen - 1
            if p.match_id not in in_doubt_matches:
                result.duplicated_not_in_doubt.append(p.match_id)
    result.unexpected = sum(n for key, n in counts.items() if key not in answered)
    return result
