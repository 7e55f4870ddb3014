"""Definitions (segments, outcomes) held in memory, compiled for evaluation, and reloaded
when their version counter in the store moves (see storage.definitions).

A change made on this instance is seen at once (`invalidate`); a change made on another
instance within `refresh_seconds`, when the version counter is read again (one small
read) and the catalog reloaded only if it moved.

One refresh runs at a time and every caller that needs it waits on that one, so while the
store is unreachable callers do not line up behind one another's timeouts. A refresh that
fails leaves the last good copy in use; only a catalog never loaded raises.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pymongo.errors import PyMongoError

from core.clock import Clock
from storage.database import Database
from storage.definitions import VersionedDefinitions

log = logging.getLogger(__name__)


class Versioned(Protocol):
    version: int


class VersionedCatalog[C: Versioned](ABC):
    stored: ClassVar[VersionedDefinitions]

    def __init__(self, *, db: Database, clock: Clock, refresh_seconds: float) -> None:
        self._db = db
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._latest = self._compiled(-1, [])
        self._loaded = False
        self._checked_at: datetime | None = None
        self._changes = 0
        self._refreshing: asyncio.Task | None = None
        self._refreshing_from = 0
        """The number of local changes made when the running refresh began."""
        self.refreshes_run = 0
        """Refreshes begun so far, each a read of the store however many callers wait on it."""

    @property
    def latest(self) -> C:
        """The catalog as last loaded, without asking whether it is still current."""
        return self._latest

    async def current(self) -> C:
        """The catalog, with every change made on this instance before the call."""
        wanted = self._changes
        while not self._fresh():
            if self._refreshing is None:
                self._refreshing_from = self._changes
                self._refreshing = asyncio.create_task(self._refresh(), name=f"refresh {type(self).__name__}")
                self._refreshing.add_done_callback(self._refreshed)
            covers = self._refreshing_from >= wanted
            try:
                # Shielded: one caller giving up does not cancel the refresh the others wait on.
                await asyncio.shield(self._refreshing)
            except PyMongoError:
                if not self._loaded:
                    raise
                log.warning("%s refresh failed; serving the last loaded copy", type(self).__name__)
                return self._latest
            if covers:
                break
        return self._latest

    def _refreshed(self, task: asyncio.Task) -> None:
        if self._refreshing is task:
            self._refreshing = None
        if not task.cancelled():
            task.exception()  # each waiter sees it; nothing is left unretrieved

    def invalidate(self) -> None:
        """This instance made a change: read the version at the next use."""
        self._checked_at = None
        self._changes += 1

    def _fresh(self) -> bool:
        if self._checked_at is None:
            return False
        age = (self._clock.now() - self._checked_at).total_seconds()
        return 0 <= age < self._refresh_seconds

    async def _refresh(self) -> None:
        self.refreshes_run += 1
        changes, checked_at = self._changes, self._clock.now()
        version = await self._read_version()
        if version != self._latest.version:
            self._latest = await self._load(version)
        self._loaded = True
        # A change made here while reading may not be in what was read: read again then.
        if changes == self._changes:
            self._checked_at = checked_at

    async def _read_version(self) -> int:
        return await self.stored.version(self._db)

    async def _load(self, version: int) -> C:
        """The whole catalog, read from the store at that version."""
        return self._compiled(version, await self.stored.listing(self._db))

    @abstractmethod
    def _compiled(self, version: int, docs: list[dict[str, Any]]) -> C:
        """The catalog of these stored definitions."""
