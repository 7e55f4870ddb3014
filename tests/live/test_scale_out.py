"""Several instances share live updates through Redis."""

from __future__ import annotations

from live import topics

MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { kind page { url } } }"


def pageview(event_id: str, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}"}}


async def test_event_ingested_on_one_instance_reaches_a_subscriber_on_another(start, redis_url):
    one = await start(broadcast_url=redis_url)
    two = await start(broadcast_url=redis_url, database=one.settings.database, clock=one.clock)
    body = await one.collect([pageview("1", "/a")])
    async with two.socket() as socket:
        op = await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
        await two.until_listening(topics.journey(body["sessionIds"][0]))
        await one.collect([pageview("2", "/b")])
        event = (await socket.next(op))["journeyMap"]
        assert event == {"kind": "PAGEVIEW", "page": {"url": "https://shop.example/b"}}
