"""Live pushes over graphql-transport-ws, on real WebSockets."""

from __future__ import annotations

import json

from live import topics
from tests.support.service import Service

MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { kind name page { url } query icon } }"


def pageview(event_id: str, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}"}}


async def health(service: Service) -> dict:
    return (await service.http.get("/healthz")).json()


async def test_journey_map_delivers_each_new_event_in_order(service: Service):
    body = await service.collect([pageview("1", "/home")])
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        await service.collect([
            pageview("2", "/shoes"),
            {"id": "3", "type": "search", "query": "red shoes"},
            {"id": "4", "type": "custom", "name": "add_to_cart", "attributes": {"sku": "A1"}},
        ])
        received = [(await socket.next(op))["journeyMap"] for _ in range(3)]
        assert [(e["kind"], e["name"]) for e in received] == [
            ("PAGEVIEW", "pageview"), ("SEARCH", "search"), ("CUSTOM", "add_to_cart")]
        assert received[0]["page"] == {"url": "https://shop.example/shoes"}
        assert received[1]["query"] == "red shoes"
        assert [e["icon"] for e in received] == ["pageview", "search", "custom"]
        await socket.nothing(op)


async def test_journey_map_of_another_session_stays_quiet(service: Service):
    mine = await service.collect([pageview("1")], cookie_id="mine")
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"id": mine["sessionIds"][0]})
        await service.until_listening(topics.journey(mine["sessionIds"][0]))
        await service.collect([pageview("2")], cookie_id="other")
        await socket.nothing(op)
        await service.collect([pageview("3", "/mine")], cookie_id="mine")
        assert (await socket.next(op))["journeyMap"]["page"] == {"url": "https://shop.example/mine"}


async def test_subscribing_to_an_unknown_session_is_a_clear_error(service: Service):
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"id": "nope"})
        message = await socket.message(op)
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["message"] == "sessionId: no such session"


async def test_a_subscriber_that_falls_behind_is_disconnected_with_a_reason(start):
    service = await start(live_queue_size=5)
    body = await service.collect([pageview("0")])
    async with service.socket() as socket:
        await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        # One batch pushes 20 items at once: more than the subscriber's queue holds.
        await service.collect([pageview(str(n)) for n in range(1, 21)])
        code, reason = await socket.wait_closed()
        assert code == 4499
        assert reason == "Subscriber fell too far behind; resubscribe and reload"
    await service.until_live_subscribers(0)
    assert (await health(service))["liveSubscribers"] == 0


async def test_live_handlers_are_released_when_clients_leave(service: Service):
    body = await service.collect([pageview("0")])
    socket = service.socket()
    await socket.open()
    for _ in range(3):
        await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
    await socket.subscribe("subscription { liveVisitors { kind } }")
    await service.until_live_subscribers(4)
    assert (await health(service))["liveSubscribers"] == 4
    await socket.close()
    await service.until_live_subscribers(0)
    assert (await health(service))["liveSubscribers"] == 0


async def test_complete_message_stops_one_subscription(service: Service):
    body = await service.collect([pageview("0")])
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        await socket.connection.send(json.dumps({"id": op, "type": "complete"}))
        await service.until_live_subscribers(0)
        assert (await health(service))["liveSubscribers"] == 0


async def test_lagging_socket_with_several_subscriptions_closes_cleanly(start):
    service = await start(live_queue_size=5)
    body = await service.collect([{"id": "0", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    async with service.socket() as socket:
        await socket.subscribe("subscription { liveVisitors { session { customer { id traits } } } }")
        await socket.subscribe(
            "subscription($c: ID!) { sessionCards(customerId: $c) { session { customer { id } "
            "segments { segment { id name color } } } } }",
            {"c": body["customerIds"][0]},
        )
        await socket.subscribe(
            "subscription($s: ID!) { journeyMap(sessionId: $s) { id segment { name color } } }",
            {"s": body["sessionIds"][0]},
        )
        await service.until_listening(topics.LIVE_VISITORS)
        await service.until_listening(topics.cards(body["customerIds"][0]))
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        await service.collect(
            [{"id": str(n), "type": "pageview", "page": {"url": "https://shop.example/"}} for n in range(1, 21)]
        )
        code, _ = await socket.wait_closed()
        assert code == 4499


async def test_a_pong_comes_once_the_subscriptions_asked_for_before_it_receive_pushes(service: Service):
    sessions = [(await service.collect([pageview("1")], cookie_id=f"c{n}"))["sessionIds"][0] for n in range(3)]
    async with service.socket() as socket:
        before = (await health(service))["liveSubscribers"]
        ops = [await socket.subscribe(MAP, {"id": session_id}) for session_id in sessions]
        pong = await socket.ping({"mark": 7})
        # Each journeyMap reads its session before it listens: without waiting, the pong
        # would come before any of them is listening.
        assert service.services.hub.subscriber_count == before + 3
        assert pong == {"type": "pong", "payload": {"mark": 7}}
        await service.collect([pageview("2", "/after")], cookie_id="c2")
        assert (await socket.next(ops[2]))["journeyMap"]["page"] == {"url": "https://shop.example/after"}

        await socket.subscribe(MAP, {"id": "nope"})  # a subscription that never starts
        assert await socket.ping() == {"type": "pong"}  # does not hold the pong back
