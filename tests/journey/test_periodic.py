"""Repeated background work goes on through failures, and a shared schedule is started
before anything is claimed from it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pymongo.errors import AutoReconnect

from core.clock import ManualClock
from journey.periodic import Repeating, SharedSchedule

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Flaky(Repeating):
    """Fails with an unreachable store, then with a bug, then counts its rounds."""

    def __init__(self) -> None:
        super().__init__(name="flaky", every_seconds=0)
        self.failures = [AutoReconnect("down"), ValueError("bug")]
        self.rounds = 0
        self.third = asyncio.Event()

    async def _round(self) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.rounds += 1
        self.third.set()


async def test_a_failed_round_is_followed_by_the_next():
    work = Flaky()
    work.start()
    try:
        await asyncio.wait_for(work.third.wait(), 5)
    finally:
        await work.stop()
    assert work.failures == [] and work.rounds >= 1


async def test_stopping_work_never_started_does_nothing():
    await Flaky().stop()


async def test_the_first_claim_starts_the_schedule_one_interval_away(db):
    clock = ManualClock(NOW)
    hour = timedelta(hours=1)
    one = SharedSchedule(db=db, clock=clock, schedule_id="work", interval=hour)
    other = SharedSchedule(db=db, clock=clock, schedule_id="work", interval=hour)
    assert [await one.claim(), await other.claim()] == [False, False]
    clock.advance(hours=1)
    assert [await one.claim(), await other.claim()] == [True, False]
