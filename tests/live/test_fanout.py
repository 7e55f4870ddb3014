"""Live fan-out: shared executions, sockets that stop reading, limits per principal."""

from __future__ import annotations

import contextlib
import json
import socket

import redis.asyncio as redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from live import topics
from live.hub import topic_channel
from tests.support.graphql_ws import PROTOCOL
from tests.support.service import ADMIN_TOKEN, Service
from tests.support.waiting import until

MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { kind page { url } } }"
MAP_IDS = "subscription($id: ID!) { journeyMap(sessionId: $id) { id } }"


def pageview(event_id: str, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}"}}


async def health(service: Service) -> dict:
    return (await service.http.get("/healthz")).json()


async def listeners(client: redis.Redis, session: str, count: int) -> bool:
    """Whether Redis counts `count` subscribers on the session's journey channel."""
    channel = topic_channel(topics.journey(session))
    return dict(await client.pubsub_numsub(channel)) == {channel.encode(): count}


async def test_subscribers_of_one_operation_share_one_execution_and_keep_their_ids(service: Service):
    body = await service.collect([pageview("0")])
    session = body["sessionIds"][0]
    sockets = [service.socket() for _ in range(3)]
    for one in sockets:
        await one.open()
    try:
        shared = [[await one.subscribe(MAP, {"id": session}) for _ in range(2)] for one in sockets]
        other = await sockets[0].subscribe(MAP_IDS, {"id": session})
        await service.until_live_subscribers(7)
        await service.until_listening(topics.journey(session), 2)
        assert (await health(service))["liveSubscribers"] == 7
        assert service.services.hub.topic_subscriptions == 2  # one per distinct operation

        await service.collect([pageview("1", "/a"), pageview("2", "/b")])
        for one, ops in zip(sockets, shared, strict=True):
            for op in ops:
                pushed = [(await one.next(op))["journeyMap"]["page"]["url"] for _ in range(2)]
                assert pushed == ["https://shop.example/a", "https://shop.example/b"]
        assert set((await sockets[0].next(other))["journeyMap"]) == {"id"}
    finally:
        for one in sockets:
            await one.close()
    hub = service.services.hub
    await until(lambda: hub.topic_subscriptions == 0, lambda: f"{hub.topic_subscriptions} hub subscriptions left")


async def _stalled_socket(service: Service, subscriptions: int, session: str):
    """A client that stops reading: a tiny receive buffer and no reads after subscribing."""
    await service.listen()
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", service.port))
    raw.setblocking(False)
    ws = await connect(service.ws_url, sock=raw, subprotocols=[PROTOCOL], max_queue=1)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {ADMIN_TOKEN}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    for n in range(subscriptions):
        await ws.send(json.dumps({"id": str(n), "type": "subscribe",
                                  "payload": {"query": MAP, "variables": {"id": session}}}))
    return ws


async def test_a_socket_that_stops_reading_is_closed_with_4499_while_others_keep_pace(start):
    service = await start(live_queue_size=100)
    body = await service.collect([pageview("0")])
    session = body["sessionIds"][0]
    stalled = await _stalled_socket(service, 20, session)
    try:
        async with service.socket() as reader:
            op = await reader.subscribe(MAP, {"id": session})
            await service.until_live_subscribers(21)
            await service.until_listening(topics.journey(session))
            long_path = "/" + "x" * 2000  # pushes of about 2 KB, times 20 on the stalled socket
            for batch in range(6):  # about 12 MB for the stalled socket: more than socket buffers hold
                paths = [f"{long_path}{batch}-{n}" for n in range(50)]
                await service.collect([pageview(f"{batch}-{n}", path) for n, path in enumerate(paths)])
                pushed = [(await reader.next(op))["journeyMap"]["page"]["url"] for _ in paths]
                assert pushed == [f"https://shop.example{path}" for path in paths]  # in order, none lost
            await service.until_live_subscribers(1)  # the stalled socket's 20 are gone
            assert (await health(service))["liveSubscribers"] == 1

        received = 0
        with contextlib.suppress(ConnectionClosed):
            while True:  # reading again: what was already written, then the close
                await stalled.recv()
                received += 1
        assert stalled.close_code == 4499
        assert stalled.close_reason == "Subscriber fell too far behind; resubscribe and reload"
        assert received < 20 * 300  # it was not sent every push: the service held no more for it
    finally:
        await stalled.close()


async def test_connections_and_subscriptions_are_limited_per_principal(start):
    service = await start(max_connections_per_principal=2, max_subscriptions_per_principal=3)
    body = await service.collect([pageview("0")])
    variables = {"id": body["sessionIds"][0]}
    first, second, third = service.socket(), service.socket(), service.socket()
    await first.open()
    await second.open()
    try:
        await third.open(expect_ack=False)
        assert await third.wait_closed() == (
            4429, "Too many live connections for this principal (at most 2); close one and retry")

        ops = [await first.subscribe(MAP, variables) for _ in range(2)] + [await second.subscribe(MAP, variables)]
        refused = await second.subscribe(MAP, variables)
        message = await second.message(refused)
        assert message["type"] == "error"
        assert message["payload"][0]["message"].startswith("Subscription limit reached for this principal")

        await first.connection.send(json.dumps({"id": ops[0], "type": "complete"}))
        await service.until_live_subscribers(2)
        again = await second.subscribe(MAP, variables)
        await service.until_live_subscribers(3)
        await service.until_listening(topics.journey(variables["id"]))
        await service.collect([pageview("1", "/after")])
        assert (await second.next(again))["journeyMap"]["page"]["url"] == "https://shop.example/after"
    finally:
        await first.close()
        await second.close()
    await service.until_live_subscribers(0)
    async with service.socket() as fourth:  # closed connections gave their places back
        await fourth.subscribe(MAP, variables)


async def test_an_instance_listens_only_to_topics_it_has_subscribers_for(start, redis_url):
    one = await start(broadcast_url=redis_url)
    two = await start(broadcast_url=redis_url, database=one.settings.database, clock=one.clock)
    watched = (await one.collect([pageview("1")], cookie_id="watched"))["sessionIds"][0]
    other = (await one.collect([pageview("1")], cookie_id="other"))["sessionIds"][0]
    client = redis.Redis.from_url(redis_url)
    try:
        async with two.socket() as ws:
            op = await ws.subscribe(MAP, {"id": watched})
            await two.until_listening(topics.journey(watched))
            assert f"journey:{watched}" in two.services.hub.topics
            assert f"journey:{other}" not in two.services.hub.topics
            await until(lambda: listeners(client, watched, 1), lambda: f"Redis has no listener on journey:{watched}")
            counts = dict(await client.pubsub_numsub(topic_channel(f"journey:{watched}"),
                                                     topic_channel(f"journey:{other}")))
            assert counts == {topic_channel(f"journey:{watched}").encode(): 1,
                              topic_channel(f"journey:{other}").encode(): 0}

            await one.collect([pageview("2", "/o")], cookie_id="other")
            await one.collect([pageview("2", "/w")], cookie_id="watched")
            assert (await ws.next(op))["journeyMap"]["page"]["url"] == "https://shop.example/w"
        hub = two.services.hub
        await until(lambda: hub.topics == frozenset(), lambda: f"still joined: {sorted(hub.topics)}")
        await until(lambda: listeners(client, watched, 0), lambda: f"Redis still has a listener on journey:{watched}")
    finally:
        await client.aclose()
