"""A token bucket per key (deployment and client IP), with a bounded number of keys."""

from __future__ import annotations

from dataclasses import dataclass

from core.clock import Clock
from core.errors import retry_after_seconds

MAX_KEYS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, *, per_minute: int, clock: Clock) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def acquire(self, key: tuple[str, str]) -> float:
        """Take one token; return 0 when allowed, else seconds until one is available."""
        now = self._clock.now().timestamp()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(tokens=self._capacity, updated=now)
        bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self._rate

    def _forget_full(self, now: float) -> None:
        """Keys whose buckets have refilled carry no state worth keeping."""
        full_after = self._capacity / self._rate
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket.updated < full_after
        }
        if len(self._buckets) >= MAX_KEYS:
            self._buckets.clear()


def retry_after(seconds: float) -> str:
    return str(retry_after_seconds(seconds))
