"""The life of a match and of a training offer: statuses, legal transitions, who may set what."""

from __future__ import annotations

from enum import StrEnum

from anju_common.errors import ConflictError
from anju_common.events import MatchStatus


class OfferStatus(StrEnum):
    """Where a training offer stands."""

    offered = "offered"
    interested = "interested"
    declined = "declined"
    completed = "completed"


# Legal status transitions; anything else is a 409.
TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    MatchStatus.proposed: frozenset(
        {MatchStatus.notified, MatchStatus.interested, MatchStatus.declined, MatchStatus.expired}
    ),
    MatchStatus.notified: frozenset({MatchStatus.interested, MatchStatus.declined, MatchStatus.expired}),
    MatchStatus.interested: frozenset({MatchStatus.referred, MatchStatus.declined, MatchStatus.expired}),
    MatchStatus.referred: frozenset({MatchStatus.hired, MatchStatus.rejected, MatchStatus.expired}),
    MatchStatus.hired: frozenset({MatchStatus.left}),
    MatchStatus.declined: frozenset(),
    MatchStatus.rejected: frozenset(),
    MatchStatus.expired: frozenset(),
    MatchStatus.left: frozenset(),
}
# Statuses an employer may record.
EMPLOYER_MAY_SET = frozenset({MatchStatus.hired, MatchStatus.rejected, MatchStatus.left})
# Proposals waiting for the worker (they count against quotas and weekly caps).
OPEN_STATUSES = (MatchStatus.proposed, MatchStatus.notified, MatchStatus.interested)
# Matches that a closed job or a departed worker expires.
LIVE_STATUSES = (*OPEN_STATUSES, MatchStatus.referred)
# Matches an employer sees: from the referral on.
EMPLOYER_STATUSES = (MatchStatus.referred, MatchStatus.hired, MatchStatus.rejected, MatchStatus.left)
# At most one match per job and worker in these statuses (a partial unique index); the others are history.
PAIR_STATUSES = (*LIVE_STATUSES, MatchStatus.hired)
# Matches that are over: the pair may be proposed again once the cool-down since the last change has passed.
ENDED_STATUSES = (MatchStatus.declined, MatchStatus.rejected, MatchStatus.expired, MatchStatus.left)
# Offers still waiting for the worker's course.
LIVE_OFFER_STATUSES = (OfferStatus.offered, OfferStatus.interested)


def check_transition(frm: MatchStatus, to: MatchStatus) -> None:
    """409 naming the allowed next statuses when a match may not go from frm to to."""
    if to not in TRANSITIONS[frm]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[frm])) or "none (final status)"
        raise ConflictError(
            f"a match cannot go from {frm.value} to {to.value}; allowed: {allowed}",
            current_status=frm.value,
        )
