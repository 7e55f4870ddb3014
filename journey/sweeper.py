"""Turns idle sessions INACTIVE and tells subscribers, exactly once across instances."""

from __future__ import annotations

import asyncio
import logging

from pymongo.errors import ConnectionFailure

from core.clock import Clock
from live import topics
from live.publishing import Publisher
from storage import sessions
from storage.database import Database

log = logging.getLogger(__name__)
BATCH = 200


class Sweeper:
    def __init__(
        self, *, db: Database, hub: Publisher, clock: Clock, timeout_seconds: int, interval: float
    ) -> None:
        self._db = db
        self._hub = hub
        self._clock = clock
        self._timeout_seconds = timeout_seconds
        self._interval = interval
        self._task: asyncio.Task | None = None

    async def sweep(self) -> int:
        """End every session idle for longer than the timeout; return how many this
        instance ended (another instance may win some of them)."""
        ended = 0
        while True:
            now = self._clock.now()
            cutoff = sessions.idle_cutoff(now, self._timeout_seconds)
            candidates = await sessions.stale(self._db, idle_before=cutoff, limit=BATCH)
            if not candidates:
                return ended
            for session_id in candidates:
                session = await sessions.end_if_idle(
                    self._db, session_id=session_id, idle_before=cutoff, now=now
                )
                if session is not None:
                    ended += 1
                    await self._hub.publish(topics.session_change("INACTIVE", session))
            if len(candidates) < BATCH:
                return ended

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="session-sweeper")

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
                await self.sweep()
            except ConnectionFailure as error:
                log.warning("session sweep: store unreachable (%s); trying again next interval", type(error).__name__)
            except Exception:
                log.exception("session sweep failed; trying again next interval")
            await asyncio.sleep(self._interval)
