"""Sessions over time, as a customer's cards and the Live Now list show them."""

from __future__ import annotations

from live import topics
from tests.support.service import Service

CARDS = """query($id: ID!) { customer(id: $id) { sessions { nodes { id status pageviewCount } } } }"""
CARDS_SUB = """subscription($id: ID!) { sessionCards(customerId: $id) { kind session { id status pageviewCount } } }"""


def pageview(event_id: str, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}"}}


async def test_a_long_gap_starts_a_new_session_newest_first(service: Service):
    first = await service.collect([pageview("1")])
    service.clock.advance(minutes=31)
    second = await service.collect([pageview("2")])
    customer = first["customerIds"][0]
    assert second["customerIds"] == [customer]
    data = await service.data(CARDS, {"id": customer})
    nodes = data["customer"]["sessions"]["nodes"]
    assert [n["id"] for n in nodes] == [second["sessionIds"][0], first["sessionIds"][0]]
    assert [n["status"] for n in nodes] == ["ACTIVE", "INACTIVE"]


async def test_session_timeout_is_a_setting(start):
    service = await start(session_timeout_seconds=60)
    first = await service.collect([pageview("1")])
    service.clock.advance(seconds=59)
    again = await service.collect([pageview("2")])
    service.clock.advance(seconds=61)
    third = await service.collect([pageview("3")])
    assert again["sessionIds"] == first["sessionIds"]
    assert third["sessionIds"] != first["sessionIds"]


async def test_sweeper_turns_an_idle_card_gray_and_tells_subscribers(service: Service):
    first = await service.collect([pageview("1")])
    customer = first["customerIds"][0]
    async with service.socket() as socket:
        op = await socket.subscribe(CARDS_SUB, {"id": customer})
        await service.until_listening(topics.cards(customer))
        service.clock.advance(minutes=30, seconds=1)
        change = (await socket.next(op))["sessionCards"]
        assert change == {
            "kind": "INACTIVE",
            "session": {"id": first["sessionIds"][0], "status": "INACTIVE", "pageviewCount": 1},
        }
        await socket.nothing(op)


async def test_cards_subscription_sees_new_sessions_and_counters(service: Service):
    first = await service.collect([pageview("1")])
    customer = first["customerIds"][0]
    async with service.socket() as socket:
        op = await socket.subscribe(CARDS_SUB, {"id": customer})
        await service.until_listening(topics.cards(customer))
        await service.collect([pageview("2")])
        updated = (await socket.next(op))["sessionCards"]
        assert updated["kind"] == "UPDATED" and updated["session"]["pageviewCount"] == 2
        service.clock.advance(minutes=45)
        second = await service.collect([pageview("3")])
        seen = [(await socket.next(op))["sessionCards"] for _ in range(2)]
        kinds = {(c["kind"], c["session"]["id"]) for c in seen}
        assert kinds == {("CREATED", second["sessionIds"][0]), ("INACTIVE", first["sessionIds"][0])}


async def test_live_visitors_lists_active_web_sessions_only(service: Service):
    a = await service.collect([pageview("1")], cookie_id="a")
    service.clock.advance(minutes=20)
    b = await service.collect([pageview("1")], cookie_id="b")
    query = "{ liveVisitors { nodes { id } } }"
    assert [n["id"] for n in (await service.data(query))["liveVisitors"]["nodes"]] == [
        b["sessionIds"][0], a["sessionIds"][0]
    ]
    service.clock.advance(minutes=15)
    assert [n["id"] for n in (await service.data(query))["liveVisitors"]["nodes"]] == [b["sessionIds"][0]]


async def test_live_visitors_subscription_sees_visitors_arrive_and_leave(service: Service):
    async with service.socket() as socket:
        op = await socket.subscribe("subscription { liveVisitors { kind session { id status lastPage { url } } } }")
        await service.until_listening(topics.LIVE_VISITORS)
        body = await service.collect([pageview("1", "/shoes")], cookie_id="v")
        arrived = (await socket.next(op))["liveVisitors"]
        assert arrived == {
            "kind": "CREATED",
            "session": {"id": body["sessionIds"][0], "status": "ACTIVE", "lastPage": {"url": "https://shop.example/shoes"}},
        }
        service.clock.advance(minutes=31)
        left = (await socket.next(op))["liveVisitors"]
        assert left["kind"] == "INACTIVE" and left["session"]["status"] == "INACTIVE"


async def test_two_instances_sweeping_one_database_announce_inactivity_once(start, redis_url):
    one = await start(broadcast_url=redis_url)
    two = await start(broadcast_url=redis_url, database=one.settings.database, clock=one.clock)
    body = await one.collect([pageview("1")])
    async with two.socket() as socket:
        op = await socket.subscribe(CARDS_SUB, {"id": body["customerIds"][0]})
        await two.until_listening(topics.cards(body["customerIds"][0]))
        one.clock.advance(minutes=31)
        change = (await socket.next(op))["sessionCards"]
        assert change["kind"] == "INACTIVE"
        await socket.nothing(op, wait=0.5)
