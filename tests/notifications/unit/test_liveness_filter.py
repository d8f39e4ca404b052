"""The consumer skips proposed -> notified (one per SMS sent) because recording it changes no decision."""

from __future__ import annotations

import uuid

import pytest
from anju_common.events import MatchStatus, MatchStatusChanged, MatchStatusChangedData
from notifications.consumers import changes_liveness
from notifications.liveness import stale_reason
from notifications.models import Notification, ReferentState


def _changed(frm: MatchStatus, to: MatchStatus) -> MatchStatusChanged:
    data = MatchStatusChangedData(
        match_id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        worker_id=uuid.uuid4(),
        household_id=uuid.uuid4(),
        site_id=uuid.uuid4(),
        from_status=frm,
        to_status=to,
    )
    return MatchStatusChanged.build(data, subject=data.match_id)


def test_only_the_sms_sent_step_is_skipped() -> None:
    assert not changes_liveness(_changed(MatchStatus.proposed, MatchStatus.notified))
    for frm, to in [
        (MatchStatus.proposed, MatchStatus.interested),
        (MatchStatus.notified, MatchStatus.declined),
        (MatchStatus.notified, MatchStatus.expired),
        (MatchStatus.interested, MatchStatus.referred),
        (MatchStatus.referred, MatchStatus.hired),
        (MatchStatus.hired, MatchStatus.left),
    ]:
        assert changes_liveness(_changed(frm, to)), (frm, to)


@pytest.mark.parametrize("known", [None, "proposed"])
def test_a_job_offer_is_as_live_without_the_notified_record(known: str | None) -> None:
    match_id, worker_id = uuid.uuid4(), uuid.uuid4()
    note = Notification(
        source_event_id=uuid.uuid4(),
        source_event_type="match.proposed",
        worker_id=worker_id,
        template="job_offer",
        params={},
        match_id=match_id,
    )

    def states(status: str | None) -> dict[tuple[str, uuid.UUID], ReferentState]:
        if status is None:
            return {}
        return {("match", match_id): ReferentState(kind="match", ref_id=match_id, status=status)}

    assert stale_reason(note, states("notified")) is None
    assert stale_reason(note, states(known)) is None
    # What would make it stale is still recorded, as before.
    assert stale_reason(note, states("declined")) == "match_declined"
