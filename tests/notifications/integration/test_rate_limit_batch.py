"""The per-number limits reserved for a whole dispatcher batch in one round trip to real Redis agree with
reserving one after the other: a number twice in a batch sees its first reservation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import redis
from anju_common.testing import Infra
from notifications.ratelimit import Limits, RateLimiter

pytestmark = pytest.mark.integration


def test_a_batch_reserves_in_order_as_one_call_after_the_other_would(infra: Infra) -> None:
    client = redis.Redis.from_url(infra.redis_url)
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    limits = Limits(per_minute=1, per_hour=2, per_day=0)
    batched = RateLimiter(client, limits, prefix=f"t{uuid.uuid4().hex[:8]}:")
    one_by_one = RateLimiter(client, limits, prefix=f"t{uuid.uuid4().hex[:8]}:")
    slots = [("a", "a1"), ("b", "b1"), ("a", "a2"), ("c", "c1"), ("b", "b2")]

    waits = batched.reserve_many(slots, now)
    assert waits == [one_by_one.reserve(h, m, now) for h, m in slots]
    assert waits[0] == waits[1] == waits[3] == 0
    assert waits[2] == waits[4] == 60.0  # the minute's slot is taken by the first of the batch
    assert batched.reserve_many([], now) == []
