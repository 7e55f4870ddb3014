"""Background work every instance repeats (the session sweep, the outcome training check),
and the shared schedule that lets one instance at a time carry out work due for them all."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import timedelta

from core.clock import Clock
from storage import schedules
from storage.database import STORE_UNREACHABLE, Database

log = logging.getLogger(__name__)


class Repeating(ABC):
    """Runs `_round` every `every_seconds` from `start` to `stop`. A round that fails is
    logged and the next one tries again: a store that is down for a while ends nothing."""

    def __init__(self, *, name: str, every_seconds: float) -> None:
        self._name = name
        self._every_seconds = every_seconds
        self._task: asyncio.Task | None = None

    @abstractmethod
    async def _round(self) -> None:
        """One round of the work."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                await self._round()
            except STORE_UNREACHABLE as error:
                log.warning("%s: store unreachable (%s); trying again at the next round",
                            self._name, type(error).__name__)
            except Exception:
                log.exception("%s failed; trying again at the next round", self._name)
            await asyncio.sleep(self._every_seconds)


class SharedSchedule:
    """Work due every `interval` for all instances together. The schedule lives in the
    database, so a restart does not reset it and, of several instances, the one that
    claims a due round first carries it out."""

    def __init__(self, *, db: Database, clock: Clock, schedule_id: str, interval: timedelta) -> None:
        self._db = db
        self._clock = clock
        self._schedule_id = schedule_id
        self.interval = interval
        self._started = False

    async def claim(self) -> bool:
        """Whether this instance carries out the work now. The first call starts the
        schedule, one interval away unless an instance started it before, and claims
        nothing."""
        if not self._started:
            await schedules.start(self._db, self._schedule_id, first_at=self._clock.now() + self.interval)
            self._started = True
            return False
        return await schedules.claim(self._db, self._schedule_id, now=self._clock.now(), interval=self.interval)
