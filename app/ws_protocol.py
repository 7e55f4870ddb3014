"""graphql-transport-ws with one promise more: the pong to a ping comes once every
subscription the client started before that ping receives pushes.

The protocol has no acknowledgement for a subscription, so a client that fetches its
starting state right after subscribing can miss a change made while the service was still
setting the subscription up. Sending a ping after subscribing and fetching after the pong
closes that gap; other clients see nothing different (a pong is just a little later).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.types import PongMessage

from app.websocket_guard import GuardedTransportWSHandler

log = logging.getLogger(__name__)

# Past this, the pong goes anyway: a client waiting on it must not hang.
START_WAIT_SECONDS = 5.0


class StartAwareTransportWS(GuardedTransportWSHandler):
    _pongs: set[asyncio.Task] | None = None

    async def handle_ping(self, message: Any) -> None:
        starting = [
            operation.task for operation in self.operations.values()
            if operation.task is not None and not operation.task.done()
        ]
        if not starting:
            await self._pong(message)
            return
        if self._pongs is None:
            self._pongs = set()
        pong = asyncio.create_task(self._pong_once_started(starting, message))
        self._pongs.add(pong)
        pong.add_done_callback(self._pongs.discard)

    async def _pong_once_started(self, starting: list[asyncio.Task], message: Any) -> None:
        if not await self.context.subscription_starts.wait(starting, timeout=START_WAIT_SECONDS):
            log.info("a subscription took over %.0f s to start; answering the ping anyway", START_WAIT_SECONDS)
        try:
            await self._pong(message)
        except Exception:  # the connection closed meanwhile: nobody is waiting any more
            pass

    async def _pong(self, message: Any) -> None:
        payload = message.get("payload") if isinstance(message, dict) else None
        pong: PongMessage = {"type": "pong"}
        if payload is not None:
            pong["payload"] = payload
        await self.send_message(pong)
