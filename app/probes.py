"""Probes for orchestrators and load balancers.

GET /livez: the process is alive and its event loop answers; it touches neither the store
nor the live channel, so a store or Redis outage never gets a healthy process restarted.
GET /readyz (and /healthz): send this instance traffic; its store answers, its live
channel is connected and it is not stopping.
"""

from __future__ import annotations

import time
from typing import Any

from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import JSONResponse

from live.hub import LiveHub
from storage.database import Database, ping


class Readiness:
    """The last known state of what this instance depends on. Metrics read it as is;
    /readyz checks the store again first."""

    def __init__(self) -> None:
        self.started = False
        self.draining = False
        self.store_reachable = False
        self.store_checked_at: float | None = None
        """time.monotonic() of the last answer or failure seen from the store."""
        self._db: Database | None = None
        self._hub: LiveHub | None = None

    def attach(self, *, db: Database, hub: LiveHub) -> None:
        self._db, self._hub = db, hub
        self.started = True
        self.store_seen(reachable=True)

    def store_seen(self, *, reachable: bool) -> None:
        """Requests report what they saw of the store, so the state is current between checks."""
        self.store_reachable = reachable
        self.store_checked_at = time.monotonic()

    @property
    def live_channel_ready(self) -> bool:
        return self._hub is not None and self._hub.ready

    @property
    def ready(self) -> bool:
        return self.started and not self.draining and self.store_reachable and self.live_channel_ready

    async def check(self) -> bool:
        if self._db is not None:
            try:
                await ping(self._db)
            except PyMongoError:
                self.store_seen(reachable=False)
            else:
                self.store_seen(reachable=True)
        return self.ready

    def describe(self) -> dict[str, Any]:
        if not self.started:
            status = "starting"
        elif self.draining:
            status = "stopping"
        else:
            status = "ok" if self.ready else "unavailable"
        return {
            "status": status,
            "store": "ok" if self.store_reachable else "unreachable",
            "liveChannel": "ok" if self.live_channel_ready else "disconnected",
            "liveSubscribers": self._hub.subscriber_count if self._hub is not None else 0,
        }


async def livez(request: Request) -> JSONResponse:
    return JSONResponse({"status": "alive"})


async def readyz(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    ready = await readiness.check()
    return JSONResponse(readiness.describe(), status_code=200 if ready else 503)
