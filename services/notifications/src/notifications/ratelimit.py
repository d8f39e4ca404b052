"""Per-number SMS limits in Redis: sliding windows (sorted sets) checked and reserved atomically."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import redis

_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = 0
for i = 1, #KEYS do
  local limit = tonumber(ARGV[1 + i * 2])
  local window = tonumber(ARGV[2 + i * 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[i])
  if limit > 0 and count >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + i * 2]))
end
return 0
"""


@dataclass(frozen=True)
class Limits:
    """How many SMS one number may get per minute, hour and day (0 = unlimited)."""

    per_minute: int
    per_hour: int
    per_day: int


class RateLimiter:
    """Checks and reserves a send slot for a number, keyed by the number's keyed hash (never the number)."""

    def __init__(self, client: redis.Redis[bytes], limits: Limits, prefix: str) -> None:
        self.client = client
        self.limits = limits
        self.prefix = prefix
        self._script = client.register_script(_SCRIPT)

    def _inputs(self, phone_hash: str, member: str, now: datetime) -> tuple[list[str], list[int | str]]:
        windows = [
            (self.limits.per_minute, 60_000, "m"),
            (self.limits.per_hour, 3_600_000, "h"),
            (self.limits.per_day, 86_400_000, "d"),
        ]
        keys = [f"{self.prefix}notif:rl:{phone_hash}:{tag}" for _, _, tag in windows]
        args: list[int | str] = [int(now.timestamp() * 1000), member]
        for limit, window, _ in windows:
            args += [limit, window]
        return keys, args

    def reserve(self, phone_hash: str, member: str, now: datetime) -> float:
        """0 when a slot was taken; else the seconds to wait before trying again."""
        keys, args = self._inputs(phone_hash, member, now)
        return int(self._script(keys=keys, args=args)) / 1000.0

    def reserve_many(self, slots: Sequence[tuple[str, str]], now: datetime) -> list[float]:
        """reserve for each (phone hash, member) in order, in one round trip: a number twice in the list
        sees its first reservation, as one call after the other would."""
        if not slots:
            return []
        pipe = self.client.pipeline(transaction=False)
        for phone_hash, member in slots:
            keys, args = self._inputs(phone_hash, member, now)
            self._script(keys=keys, args=args, client=pipe)
        return [int(wait_ms) / 1000.0 for wait_ms in pipe.execute()]

    def release(self, phone_hash: str, member: str) -> None:
        """Give a slot back: the provider refused the message, so the number got nothing."""
        pipe = self.client.pipeline(transaction=False)
        for tag in ("m", "h", "d"):
            pipe.zrem(f"{self.prefix}notif:rl:{phone_hash}:{tag}", member)
        pipe.execute()
