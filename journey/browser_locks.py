"""One batch at a time per browser on this instance.

A browser resends what it has not seen answered: a page that unloads before its batch is
answered hands the same events to the next page, whose batch then races the first copy.
Both would pass the duplicate check before either stored anything, and whatever the stages
counted for the copy that loses the insert (segment and outcome progress) would be counted
twice. Taking the browser's turn first makes the second copy see the first one stored.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager


class BrowserLocks:
    def __init__(self) -> None:
        # Entries live while a batch holds or awaits them: bounded by the batches in flight.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def turn(self, cookie_ids: Iterable[str]) -> AsyncIterator[None]:
        """Hold every named browser's turn; in sorted order, so two batches never wait on each other."""
        locks = [self._lock(cookie_id) for cookie_id in sorted(set(cookie_ids))]
        async with AsyncExitStack() as held:
            for lock in locks:
                await held.enter_async_context(lock)
            yield

    def _lock(self, cookie_id: str) -> asyncio.Lock:
        lock = self._locks.get(cookie_id)
        if lock is None:
            lock = self._locks[cookie_id] = asyncio.Lock()
        return lock
