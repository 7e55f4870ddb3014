"""Turns idle sessions INACTIVE and tells subscribers, exactly once across instances."""

from __future__ import annotations

from core.clock import Clock
from journey.periodic import Repeating
from live import topics
from live.publishing import Publisher
from storage import sessions
from storage.database import Database

BATCH = 200


class Sweeper(Repeating):
    def __init__(
        self, *, db: Database, hub: Publisher, clock: Clock, timeout_seconds: int, interval: float
    ) -> None:
        super().__init__(name="session sweep", every_seconds=interval)
        self._db = db
        self._hub = hub
        self._clock = clock
        self._timeout_seconds = timeout_seconds

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

    async def _round(self) -> None:
        await self.sweep()
