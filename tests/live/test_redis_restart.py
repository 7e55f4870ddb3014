"""The live channel survives a Redis restart: pushes resume without restarting the service."""

from __future__ import annotations

import pytest

from live import topics
from tests.support.ports import free_port
from tests.support.redis_server import answers, start_redis
from tests.support.waiting import until

MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { page { url } } }"


def pageview(event_id: str, path: str) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}"}}


async def wait_for_push(one, socket_, op, path: str, attempts: int = 40) -> dict:
    """Send events until one is pushed: pushes lost while the channel reconnects are expected."""
    for attempt in range(attempts):
        await one.collect([pageview(f"{path}-{attempt}", path)])
        try:
            return (await socket_.next(op, timeout=0.5))["journeyMap"]
        except TimeoutError:
            continue
    raise AssertionError("no push arrived after the restart")


@pytest.mark.redis
async def test_pushes_resume_after_redis_restarts(start):
    port = free_port()
    redis = start_redis(port)
    try:
        await until(lambda: answers(port), lambda: f"redis-server on port {port} does not answer")
        url = f"redis://127.0.0.1:{port}"
        one = await start(broadcast_url=url, live_heartbeat_seconds=0.3)
        two = await start(broadcast_url=url, live_heartbeat_seconds=0.3,
                          database=one.settings.database, clock=one.clock)
        body = await one.collect([pageview("0", "/before")])
        async with two.socket() as ws:
            op = await ws.subscribe(MAP, {"id": body["sessionIds"][0]})
            await two.until_listening(topics.journey(body["sessionIds"][0]))
            assert (await wait_for_push(one, ws, op, "/before"))["page"]["url"].endswith("/before")

            redis.terminate()
            redis.wait(10)
            await until(lambda: not one.services.hub.ready, lambda: "the live channel still counts as connected")
            # A Redis blip takes the instance out of rotation but never fails liveness.
            assert (await one.http.get("/livez")).status_code == 200
            ready = await one.http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["liveChannel"] == "disconnected"
            redis = start_redis(port)

            event = await wait_for_push(one, ws, op, "/after")
            assert event["page"]["url"] == "https://shop.example/after"
            assert (await one.http.get("/readyz")).status_code == 200
    finally:
        redis.terminate()
        redis.wait(10)
