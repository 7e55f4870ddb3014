"""The read side: customers, cards, journeys, and what they cost in round trips."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.service import Service


@pytest.fixture
async def service(start) -> Service:
    # No background sweeps, so round-trip counts see only the query's own commands.
    return await start(sweep_interval_seconds=3600)


def pageview(event_id: str, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}", "title": path}}


async def sessions_for(service: Service, cookie: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        body = await service.collect([pageview(f"{cookie}-{n}")], cookie_id=cookie)
        ids.append(body["sessionIds"][0])
        service.clock.advance(minutes=31)
    return ids


async def test_customer_summary_counts_pageviews_of_the_current_session(service: Service):
    body = await service.collect([pageview("1"), pageview("2"), {"id": "3", "type": "search", "query": "hat"}])
    data = await service.data(
        "query($id: ID!) { customer(id: $id) { id identified "
        "summary { status pageviewsThisSession currentSession { id } } } }",
        {"id": body["customerIds"][0]},
    )
    assert data["customer"] == {
        "id": body["customerIds"][0],
        "identified": False,
        "summary": {"status": "ACTIVE", "pageviewsThisSession": 2, "currentSession": {"id": body["sessionIds"][0]}},
    }


async def test_unknown_ids_are_null_not_errors(service: Service):
    data = await service.data('{ customer(id: "nope") { id } session(id: "nope") { id } }')
    assert data == {"customer": None, "session": None}


async def test_cards_page_newest_first_with_keyset_cursors(service: Service):
    ids = await sessions_for(service, "pager", 5)
    query = """query($id: ID!, $after: String) { customer(id: $id) {
        sessions(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }"""
    customer = (await service.data('{ customerByIdentity(type: COOKIE, value: "pager") { id } }'))[
        "customerByIdentity"]["id"]
    seen, after = [], None
    while True:
        page = (await service.data(query, {"id": customer, "after": after}))["customer"]["sessions"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(ids))


async def test_journey_is_chronological_and_pages(service: Service):
    now = service.clock.now()
    events = [
        {**pageview(str(n), f"/p{n}"), "occurredAt": (now - timedelta(minutes=10 - n)).isoformat()}
        for n in (3, 1, 2, 0)
    ]
    body = await service.collect(events)
    query = """query($id: ID!, $after: String) { session(id: $id) {
        journey(first: 3, after: $after) { nodes { page { url } occurredAt } pageInfo { hasNextPage endCursor } } } }"""
    first = (await service.data(query, {"id": body["sessionIds"][0]}))["session"]["journey"]
    assert [n["page"]["url"][-3:] for n in first["nodes"]] == ["/p0", "/p1", "/p2"]
    assert first["pageInfo"]["hasNextPage"]
    rest = (await service.data(query, {"id": body["sessionIds"][0], "after": first["pageInfo"]["endCursor"]}))
    assert [n["page"]["url"][-3:] for n in rest["session"]["journey"]["nodes"]] == ["/p3"]


async def test_bad_cursor_and_page_size_are_client_errors(service: Service):
    body = await service.collect([pageview("1")])
    answer = await service.graphql(
        'query($id: ID!) { session(id: $id) { journey(after: "garbage") { nodes { id } } } }',
        {"id": body["sessionIds"][0]},
    )
    assert answer["errors"][0]["message"] == "after: is not a valid cursor"
    answer = await service.graphql(
        'query($id: ID!) { customer(id: $id) { sessions(first: 0) { nodes { id } } } }',
        {"id": body["customerIds"][0]},
    )
    assert answer["errors"][0]["message"] == "first: must be between 1 and 100"


async def test_several_cards_expanded_at_once(service: Service):
    ids = await sessions_for(service, "multi", 3)
    data = await service.data(
        "query($ids: [ID!]!) { sessions(ids: $ids) { id journey { nodes { kind } } } }",
        {"ids": [ids[2], "missing", ids[0]]},
    )
    assert [s and s["id"] for s in data["sessions"]] == [ids[2], None, ids[0]]
    assert data["sessions"][0]["journey"]["nodes"] == [{"kind": "PAGEVIEW"}]


ONE = """c%d: customer(id: "%s") { id summary { pageviewsThisSession } identities { type value }
      sessions(first: 5) { nodes { id pageviewCount journey(first: 10) { nodes { kind page { url } } } } } }"""


async def _round_trips_for(service: Service, customers: list[str]) -> int:
    fields = " ".join(ONE % (n, cid) for n, cid in enumerate(customers))
    query = f"{{ {fields} }}"
    service.commands.reset()
    data = await service.data(query)
    assert all(data[f"c{n}"]["sessions"]["nodes"] for n in range(len(customers)))
    return service.commands.count


async def test_round_trips_do_not_grow_with_the_number_of_customers(service: Service):
    customers = []
    for n in range(20):
        body = await service.collect([pageview("a"), pageview("b")], cookie_id=f"rt-{n}")
        customers.append(body["customerIds"][0])
    # One query per loader and page shape: customers, identities, summary page, cards
    # page, journeys.
    counts = {n: await _round_trips_for(service, customers[:n]) for n in (1, 10, 20)}
    print(f"round trips for 1, 10, 20 customers with cards and journeys: {counts}")
    assert counts[1] == counts[10] == counts[20] <= 5, counts
