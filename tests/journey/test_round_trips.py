"""One ingest batch costs a fixed number of database round trips, whatever its size."""

import pytest

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
    assert len(counts[100]) <= 8, counts


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
    assert len(counts[100]) <= 9, counts


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
    assert len(counts[100]) <= 9, counts
