"""One ingest batch costs a fixed number of database round trips, whatever its size, and
its items reach journey map subscribers after a fixed few of them."""

from collections.abc import Iterable

import pytest

from live import topics
from live.topics import Message
from tests.support.outcomes import create_outcome
from tests.support.segments import condition, create_segment
from tests.support.service import Service


@pytest.fixture
async def service(start) -> Service:
    # No background sweeps: only the batch's own commands are counted.
    return await start(sweep_interval_seconds=3600)


def batch(prefix: str, size: int) -> list[dict]:
    events = []
    for n in range(size):
        if n % 3 == 0:
            events.append({"id": f"{prefix}{n}", "type": "pageview",
                           "page": {"url": f"https://shop.example/p/{n}?q=term{n}"}})
        elif n % 3 == 1:
            events.append({"id": f"{prefix}{n}", "type": "search", "query": f"term {n}"})
        else:
            events.append({"id": f"{prefix}{n}", "type": "custom", "name": "add_to_cart", "attributes": {"n": n}})
    return events


async def test_batch_round_trips_are_constant(service: Service):
    await service.collect(batch("warm", 1), cookie_id="warm")  # deployment cache
    counts = {}
    for size in (1, 10, 100):
        service.commands.reset()
        body = await service.collect(batch(f"s{size}-", size), cookie_id=f"rt-{size}")
        assert body["accepted"] == size
        counts[size] = list(service.commands.commands)
    print(f"round trips per batch of 100 events: {len(counts[100])} {counts[100]}")
    assert counts[1] == counts[10] == counts[100], counts
    assert len(counts[100]) <= 7, counts


MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { page { url } } }"


def commands_before_items_are_pushed(service: Service) -> list[tuple[list[str], int]]:
    """For each publish of journey items from now on, the store commands the batch had
    sent by then, sorted, and how many of their round trips came one after another (the
    publish is the push: subscribers get what the hub is handed)."""
    hub = service.services.hub
    publish = hub.publish
    seen: list[tuple[list[str], int]] = []

    async def publish_noting_commands(messages: Iterable[Message]) -> None:
        messages = list(messages)
        if any(topic.startswith(topics.journey("")) for topic, _ in messages):
            seen.append((sorted(service.commands.commands), service.commands.in_sequence))
        await publish(messages)

    hub.publish = publish_noting_commands
    return seen


async def test_a_plain_batch_reaches_the_journey_map_after_two_round_trips(service: Service):
    # The browser's turn (with its cursor) and its session as stored, read together; then
    # the events write: the customers, sessions and cursor writes come after subscribers
    # have the items.
    session = (await service.collect(batch("first", 1), cookie_id="watched"))["sessionIds"][0]
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"id": session})
        await service.until_listening(topics.journey(session))
        pushes = commands_before_items_are_pushed(service)
        for size in (1, 10):
            service.commands.reset()
            pages = [f"https://shop.example/{size}/{n}" for n in range(size)]
            await service.collect([{"id": url, "type": "pageview", "page": {"url": url}} for url in pages],
                                  cookie_id="watched")
            assert [(await socket.next(op))["journeyMap"]["page"]["url"] for _ in pages] == pages
        await socket.nothing(op)  # each item once
    assert pushes == [(["find", "findAndModify", "update"], 2)] * 2, pushes


async def test_segments_cost_at_most_one_more_round_trip(service: Service):
    # A customer-scope segment: each new session reads what its customer already holds.
    # Matching, progress and assignments ride on the writes a batch makes anyway.
    await create_segment(service, "Buyer", condition("eventName", "EQUAL", "add_to_cart", count=2), scope="CUSTOMER")
    await create_segment(service, "Searcher", condition("searchQuery", "CONTAINS_ANY", "term"))
    await service.collect(batch("warm", 1), cookie_id="warm")  # deployment and segment caches
    counts = {}
    for size in (1, 10, 100):
        service.commands.reset()
        await service.collect(batch(f"s{size}-", size), cookie_id=f"seg-{size}")
        counts[size] = list(service.commands.commands)
    assert counts[1] == counts[10] == counts[100], counts
    print(f"round trips per batch of 100 events with segments: {len(counts[100])} {counts[100]}")
    assert len(counts[100]) <= 8, counts


async def test_known_visitor_batch_costs_the_same(service: Service):
    await service.collect(batch("a", 5), cookie_id="same")
    service.commands.reset()
    await service.collect(batch("b", 100), cookie_id="same")
    small = service.commands.count
    service.commands.reset()
    await service.collect(batch("c", 3), cookie_id="same")
    assert service.commands.count == small


async def test_outcomes_add_one_read_only_for_sessions_that_open(service: Service):
    # Achievements, progress toward conditions, prediction features and the customer's
    # history summary ride on the batch's writes; definitions and models are read only
    # when their version moves; a session that opens reads its customer's history.
    await service.collect(batch("plain", 10), cookie_id="plain-warm")
    service.commands.reset()
    await service.collect(batch("plain-", 100), cookie_id="plain")
    without = list(service.commands.commands)
    await create_outcome(service, "Buyer", condition("eventName", "EQUAL", "add_to_cart", count=2))
    await create_outcome(service, "Searcher", condition("searchQuery", "CONTAINS_ANY", "term"))
    await service.collect(batch("warm", 1), cookie_id="outcome-warm")  # the outcome catalog
    counts = {}
    for size in (1, 10, 100):
        service.commands.reset()
        await service.collect(batch(f"o{size}-", size), cookie_id=f"out-{size}")
        counts[size] = list(service.commands.commands)
    print(f"round trips per batch of 100 events with outcomes: {len(counts[100])} {counts[100]}")
    assert counts[1] == counts[10] == counts[100], counts
    assert sorted(counts[100]) == sorted([*without, "find"]), (counts, without)
    assert len(counts[100]) <= 8, counts
