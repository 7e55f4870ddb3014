"""The live channel's liveness is judged in heartbeats, not in wall time: a loop kept busy
(a large fan-out) is not taken for a dead channel."""

from __future__ import annotations

import asyncio
import time

import pytest

from live import topics
from tests.support.waiting import until

MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { page { url } } }"


def pageview(event_id: str, path: str) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}"}}


@pytest.mark.slow
async def test_a_busy_loop_does_not_make_the_hub_reconnect(start):
    service = await start(live_heartbeat_seconds=0.1)
    hub = service.services.hub
    body = await service.collect([pageview("0", "/")])
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        await until(lambda: hub._heartbeats_back >= 3, lambda: "heartbeats do not come back")
        channel = hub._backend
        time.sleep(1.0)  # noqa: ASYNC251 - on purpose: the whole loop is busy for ten heartbeat intervals
        await asyncio.sleep(0.5)
        assert hub.ready and hub._backend is channel  # no reconnect: nothing was lost
        await service.collect([pageview("1", "/after")])
        assert (await socket.next(op))["journeyMap"]["page"]["url"] == "https://shop.example/after"
