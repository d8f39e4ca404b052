"""The bench's pure parts: the open-loop schedule, percentiles, pairing submits and the stage breakdown."""

from __future__ import annotations

import pytest

from bench.e2e.pairing import Rows, pair, unsent
from bench.e2e.poster import Post
from bench.e2e.stats import breakdown, distribution, percentile, schedule, stage_increments, window_rate


def test_schedule_is_evenly_spaced_at_the_rate() -> None:
    offsets = schedule(50, 300)
    assert len(offsets) == 15_000
    assert offsets[:3] == [0.0, 0.02, 0.04]
    assert offsets[-1] == pytest.approx(299.98)
    assert len(schedule(5, 30)) == 150
    assert len(schedule(3, 0.5)) == 2  # a send at 0 and at 1/3 s; none at 2/3 s
    assert schedule(0, 10) == []


def test_percentiles_interpolate_like_numpy() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 99) == 3.0
    assert percentile([5.0, 1.0], 0) == 1.0
    with pytest.raises(ValueError):
        percentile([], 50)
    d = distribution([0.1, 0.2, 0.3])
    assert (d["count"], d["p50_ms"], d["max_ms"], d["min_ms"]) == (3, 200.0, 300.0, 100.0)
    assert distribution([])["p99_ms"] is None


def test_stages_are_increments_and_a_missing_point_merges_its_stages() -> None:
    points = ["sent", "job_created", "job_kafka", "job_read"]
    chains = [
        {"sent": 0.0, "job_created": 0.01, "job_kafka": None, "job_read": 0.05},
        {"sent": 1.0, "job_created": 1.02, "job_kafka": None, "job_read": 1.10},
    ]
    out = stage_increments(chains, points)
    assert list(out) == ["request", "outbox+kafka"]
    assert out["request"] == pytest.approx([0.01, 0.02])
    assert out["outbox+kafka"] == pytest.approx([0.04, 0.08])
    # One chain lacking a point the others have gives no increment around it; the stage stays.
    chains[1]["job_kafka"] = 1.05
    out = stage_increments(chains, points)
    assert out["outbox"] == pytest.approx([0.03]) and out["kafka"] == pytest.approx([0.05])
    table = breakdown(chains)
    assert table["request"]["count"] == 2
    assert "match_created" in table["no timestamp"]["points"]  # type: ignore[operator]


def test_window_rate_counts_what_falls_inside() -> None:
    assert window_rate([0.0, 0.5, 1.0, 1.5, 2.0], 0.0, 2.0) == 2.0
    assert window_rate([1.0], 2.0, 2.0) == 0.0


def offer(dest: str, wage: int, message_id: str, received_ms: int) -> dict[str, object]:
    """A submit_sm as the peer logs it."""
    text = f"惠水县锦绣服装招缝纫工，月薪{wage}-{wage + 1500}元，在安置点。有意向回1，不考虑回2，退订回TD"
    return {"dest": dest, "text": text, "message_id": message_id, "received_at": received_ms}


def test_each_submit_pairs_with_its_post_and_its_stored_timestamps() -> None:
    posts = {0: Post(0, due=100.0, sent=100.001, job_id="j0"), 1: Post(1, due=100.2, sent=100.2)}
    stored = Rows(
        job_created={"j0": 100.010},
        job_event={"j0": "e0"},
        job_published={"j0": 100.030},
        job_read={"j0": 100.050},
        matches={
            "m0": {"job_id": "j0", "created": 100.100, "event_id": "p0"},
            "m1": {"job_id": "j0", "created": 100.100, "event_id": "p1"},
        },
        notes={
            "n0": {"match_id": "m0", "status": "sent", "reason": None, "created": 100.2, "submitting": 100.3},
            "n1": {"match_id": "m1", "status": "pending", "reason": "rate limited", "created": 100.2},
        },
        part_note={"msg1": "n0"},
        kafka={"e0": 100.020, "p0": 100.150},
    )
    entries = [
        offer("8613900000001", 3000, "msg1", 100_401),
        offer("8613900000001", 3000, "msg9", 100_900),  # the same number and job again
        offer("8613900000002", 3001, "msg2", 100_500),  # job 1's post failed: not this run's
        {"dest": "8613900000003", "text": "第二段", "message_id": "msg3", "received_at": 100_600},
    ]
    paired = pair(entries, posts, stored, 3000)
    assert (paired.duplicates, paired.unknown_job, paired.not_offers) == (1, 1, 1)
    (sms,) = paired.sms
    assert sms.latency == pytest.approx(0.4)
    assert sms.note_id == "n0"
    assert sms.chain["job_kafka"] == 100.020 and sms.chain["match_kafka"] == 100.150
    assert sms.chain["job_acked"] == 100.030 and sms.chain["match_acked"] is None
    table = breakdown([sms.chain])
    assert table["request"]["p50_ms"] == pytest.approx(9.0)
    assert table["submit"]["p50_ms"] == pytest.approx(101.0)
    assert "no timestamp" not in table
    left = unsent(stored, {"j0"}, {"n0"})
    assert (left["proposals"], left["not_submitted"]) == (2, 1)
    assert left["not_submitted_by_status"] == {"pending: rate limited": 1}
