"""One batch at a time per browser across service instances.

BrowserLocks serialises a browser's batches within one instance; two instances behind a
load balancer (two tabs of one browser, or a resent batch landing elsewhere) would still
work on one browser at once, each reading its sessions before the other wrote, and count
twice what the stages count. The turn is therefore also taken in the store, on the
cookie's identity, in the same round trip that reads it, and given back with the write
that moves the browser's cursor. An instance that dies holding turns loses them after
`browser_turn_seconds`.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta

from core.clock import Clock
from core.errors import Unavailable, retry_after_seconds
from storage import identities
from storage.database import Database
from storage.documents import IdentityDocument

BUSY_BROWSER = "busy: another instance is storing this browser's events; retry later"
_FIRST_PAUSE_SECONDS = 0.005
_LONGEST_PAUSE_SECONDS = 0.1


class BrowserTurns:
    def __init__(self, db: Database, clock: Clock, *, hold_seconds: float, wait_seconds: float) -> None:
        self.holder = uuid.uuid4().hex
        """This instance, as the store's turn records name it."""
        self._db = db
        self._clock = clock
        self._hold = timedelta(seconds=hold_seconds)
        self._wait_seconds = wait_seconds

    async def take(self, cookie_ids: Iterable[str]) -> dict[str, IdentityDocument]:
        """Every browser's turn, with its cookie's identity. All or none: turns taken while
        another is held elsewhere are given back before waiting, so two instances wanting
        the same two browsers never wait on each other. Raises Unavailable when a turn is
        still held elsewhere after `wait_seconds`."""
        wanted = sorted(set(cookie_ids))
        give_up_at = time.monotonic() + self._wait_seconds
        pause = _FIRST_PAUSE_SECONDS
        while True:
            now = self._clock.now()
            taken, held = await identities.claim_cookies(
                self._db, cookie_ids=wanted, now=now, holder=self.holder, hold_until=now + self._hold
            )
            if not held:
                return taken
            await self.give_back(taken)
            if time.monotonic() + pause > give_up_at:
                raise Unavailable(BUSY_BROWSER, retry_after=retry_after_seconds(pause))
            await asyncio.sleep(random.uniform(pause / 2, pause))  # apart, so rivals do not retry in step
            pause = min(2 * pause, _LONGEST_PAUSE_SECONDS)

    async def give_back(self, cookie_ids: Iterable[str]) -> None:
        await identities.give_back_turns(self._db, cookie_ids=cookie_ids, holder=self.holder)
