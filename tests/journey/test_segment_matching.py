"""Segments matched in real time through the real pipeline: every operator family and
field family once (the full operator matrix is in tests/rules), scopes, order, the map
item and its colour, and when a definition takes effect."""

from __future__ import annotations

import pytest

from tests.support.segments import condition, create_segment, map_matches, matched
from tests.support.service import Service

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
TRACK = """mutation($events: [TrackEventInput!]!) {
    trackEvents(deploymentId: "default", events: $events) { sessionIds rejected } }"""
SET_ACTIVE = "mutation($id: ID!, $active: Boolean!) { setSegmentActive(id: $id, active: $active) { active } }"


def page(event_id: str, path: str = "/", title: str = "Shop", **extra) -> dict:
    return {"id": event_id, "type": "PAGEVIEW", "page": {"url": f"https://shop.example{path}", "title": title}, **extra}


def search(event_id: str, query: str) -> dict:
    return {"id": event_id, "type": "SEARCH", "query": query}


def custom(event_id: str, name: str, **attributes) -> dict:
    return {"id": event_id, "type": "CUSTOM", "name": name, "attributes": attributes}


async def visit(service: Service, cookie: str, *events: dict, agent: str = CHROME_WINDOWS,
                ip: str = "127.0.0.1") -> str:
    """Send events as a server would for one browser; the session they went to."""
    data = await service.data(TRACK, {"events": [
        {**event, "cookieId": cookie, "userAgent": agent, "ip": ip} for event in events
    ]})
    assert data["trackEvents"]["rejected"] == 0
    return data["trackEvents"]["sessionIds"][0]


# (case, conditions, events of a visitor who matches, events of one who does not, visit options)
CASES = [
    ("context EQUAL, any case", [condition("browser.family", "EQUAL", "CHROME")],
     {"agent": CHROME_WINDOWS}, {"agent": SAFARI_IPHONE}),
    ("context NOT_EQUAL", [condition("device.category", "NOT_EQUAL", "desktop")],
     {"agent": SAFARI_IPHONE}, {"agent": CHROME_WINDOWS}),
    ("country from the IP", [condition("geolocation.country", "EQUAL", "US")],
     {"ip": "8.8.8.8"}, {"ip": "81.2.69.160"}),
    ("referrer medium", [condition("referrer.medium", "EQUAL", "social")],
     {"events": [page("p", referrer="https://www.facebook.com/")]}, {}),
    ("campaign STARTS_WITH", [condition("campaign.name", "STARTS_WITH", "spring")],
     {"events": [page("p", "/?utm_campaign=spring_sale")]}, {"events": [page("p", "/?utm_campaign=autumn")]}),
    ("not authenticated", [condition("authenticated", "EQUAL", "false")], {}, None),
    ("event name", [condition("eventName", "EQUAL", "add_to_cart")],
     {"events": [custom("c", "add_to_cart")]}, {"events": [custom("c", "wishlist")]}),
    ("page url CONTAINS_ANY", [condition("page.url", "CONTAINS_ANY", "/shoes", "/boots")],
     {"events": [page("p", "/boots/7")]}, {"events": [page("p", "/hats/7")]}),
    ("page url CONTAINS_ALL", [condition("page.url", "CONTAINS_ALL", "/p/", "red")],
     {"events": [page("p", "/p/red-shoe")]}, {"events": [page("p", "/p/blue-shoe")]}),
    ("page title ENDS_WITH", [condition("page.title", "ENDS_WITH", "| sale")],
     {"events": [page("p", title="Boots | Sale")]}, {"events": [page("p", title="Boots")]}),
    ("search NOT_CONTAINS_ANY", [condition("searchQuery", "NOT_CONTAINS_ANY", "cheap")],
     {"events": [search("s", "red shoes")]}, {"events": [search("s", "cheap shoes")]}),
    ("attribute GREATER_THAN", [condition("attributes.price", "GREATER_THAN", "100")],
     {"events": [custom("c", "add_to_cart", price=120.5)]}, {"events": [custom("c", "add_to_cart", price=100)]}),
    ("attribute LESS_THAN_OR_EQUAL", [condition("attributes.quantity", "LESS_THAN_OR_EQUAL", "2")],
     {"events": [custom("c", "add_to_cart", quantity=2)]}, {"events": [custom("c", "add_to_cart", quantity=3)]}),
    ("event count", [condition("page.url", "CONTAINS_ANY", "/p/", count=3)],
     {"events": [page("a", "/p/1"), page("b", "/p/2"), page("c", "/p/3")]},
     {"events": [page("a", "/p/1"), page("b", "/p/2"), page("c", "/home")]}),
    ("context and event together",
     [condition("device.category", "EQUAL", "mobile"), condition("eventName", "EQUAL", "add_to_cart")],
     {"agent": SAFARI_IPHONE, "events": [custom("c", "add_to_cart")]},
     {"agent": CHROME_WINDOWS, "events": [custom("c", "add_to_cart")]}),
]


@pytest.mark.parametrize(("case", "conditions", "matching", "other"), CASES, ids=[c[0] for c in CASES])
async def test_condition_tells_visitors_apart(service: Service, case, conditions, matching, other):
    await create_segment(service, "Target", *conditions)
    for cookie, options, expected in (("match", matching, ["Target"]), ("other", other, [])):
        if options is None:
            continue
        options = dict(options)
        events = options.pop("events", [page("p")])
        session = await visit(service, cookie, *events, **options)
        assert await matched(service, session) == expected, cookie


async def test_counts_carry_across_batches(service: Service):
    await create_segment(service, "Keen", condition("eventName", "EQUAL", "add_to_cart", count=2))
    session = await visit(service, "v", custom("1", "add_to_cart"))
    assert await matched(service, session) == []
    await visit(service, "v", page("2"), custom("3", "add_to_cart"))
    assert await matched(service, session) == ["Keen"]


async def test_a_search_found_in_a_url_does_not_count_its_page_twice(service: Service):
    await create_segment(service, "Twice", condition("page.url", "CONTAINS_ANY", "/find", count=2))
    session = await visit(service, "v", page("1", "/find?q=boots"))
    assert await matched(service, session) == []


async def test_a_search_found_in_a_url_counts_as_a_search(service: Service):
    await create_segment(service, "Boots", condition("searchQuery", "EQUAL", "boots"))
    session = await visit(service, "v", page("1", "/find?q=boots"))
    assert await matched(service, session) == ["Boots"]


async def test_segments_are_listed_in_the_order_assigned(service: Service):
    await create_segment(service, "Buyer", condition("eventName", "EQUAL", "purchase"))
    await create_segment(service, "Searcher", condition("searchQuery", "CONTAINS_ANY", "shoe"))
    session = await visit(service, "v", page("1"), search("2", "shoes"), custom("3", "purchase"))
    assert await matched(service, session) == ["Searcher", "Buyer"]


async def test_segments_matched_by_one_event_keep_their_definition_order(service: Service):
    await create_segment(service, "First", condition("eventName", "EQUAL", "purchase"))
    await create_segment(service, "Second", condition("attributes.total", "GREATER_THAN", "10"))
    session = await visit(service, "v", custom("1", "purchase", total=50), page("2"))
    assert await matched(service, session) == ["First", "Second"]
    assert [item["name"] for item in await map_matches(service, session)] == ["First", "Second"]


async def test_the_match_is_a_map_item_in_the_segments_colour(service: Service):
    segment = await create_segment(service, "Searcher", condition("searchQuery", "EQUAL", "boots"), color="#12ab9f")
    session = await visit(service, "v", page("1"), search("2", "boots"), page("3"))
    data = await service.data(
        "query($id: ID!) { session(id: $id) { journey { nodes { kind name icon query segment { id name color } } } } }",
        {"id": session},
    )
    assert data["session"]["journey"]["nodes"] == [
        {"kind": "PAGEVIEW", "name": "pageview", "icon": "pageview", "query": None, "segment": None},
        {"kind": "SEARCH", "name": "search", "icon": "search", "query": "boots", "segment": None},
        {"kind": "SEGMENT_MATCHED", "name": "Searcher", "icon": "segment", "query": None,
         "segment": {"id": segment["id"], "name": "Searcher", "color": "#12AB9F"}},
        {"kind": "PAGEVIEW", "name": "pageview", "icon": "pageview", "query": None, "segment": None},
    ]


async def test_a_session_matches_a_segment_once(service: Service):
    await create_segment(service, "Viewer", condition("eventName", "EQUAL", "pageview"))
    session = await visit(service, "v", page("1"), page("2"))
    await visit(service, "v", page("3"))
    assert await matched(service, session) == ["Viewer"]
    assert len(await map_matches(service, session)) == 1


async def test_a_session_scope_segment_ends_with_its_session(service: Service):
    await create_segment(service, "Cart", condition("eventName", "EQUAL", "add_to_cart"))
    await visit(service, "v", custom("1", "add_to_cart"))
    service.clock.advance(minutes=31)
    later = await visit(service, "v", page("2"))
    assert await matched(service, later) == []


async def test_a_customer_scope_segment_starts_the_next_session(service: Service):
    await create_segment(service, "Buyer", condition("eventName", "EQUAL", "purchase"), scope="CUSTOMER")
    await visit(service, "v", custom("1", "purchase"))
    service.clock.advance(minutes=31)
    later = await visit(service, "v", page("2"))
    assert await matched(service, later) == ["Buyer"]
    assert await map_matches(service, later) == []  # carried over, not matched again


async def test_customer_scope_segments_are_listed_on_the_customer(service: Service):
    await create_segment(service, "Visitor", condition("eventName", "EQUAL", "pageview"))
    await create_segment(service, "Buyer", condition("eventName", "EQUAL", "purchase"), scope="CUSTOMER")
    await visit(service, "v", page("1"), custom("2", "purchase"))
    data = await service.data('{ customerByIdentity(type: COOKIE, value: "v") { segments { segment { name } } } }')
    assert data["customerByIdentity"]["segments"] == [{"segment": {"name": "Buyer"}}]


async def test_a_new_segment_applies_from_then_on(service: Service):
    session = await visit(service, "v", custom("1", "add_to_cart"))
    await create_segment(service, "Keen", condition("eventName", "EQUAL", "add_to_cart", count=2))
    await visit(service, "v", custom("2", "add_to_cart"))
    assert await matched(service, session) == []
    await visit(service, "v", custom("3", "add_to_cart"))
    assert await matched(service, session) == ["Keen"]


async def test_a_new_segment_reads_the_context_of_sessions_already_running(service: Service):
    session = await visit(service, "v", page("1"), agent=SAFARI_IPHONE)
    await create_segment(service, "Mobile", condition("device.category", "EQUAL", "mobile"))
    await visit(service, "v", page("2"))
    assert await matched(service, session) == ["Mobile"]


async def test_deactivating_stops_new_assignments(service: Service):
    segment = await create_segment(service, "Cart", condition("eventName", "EQUAL", "add_to_cart"))
    await service.data(SET_ACTIVE, {"id": segment["id"], "active": False})
    session = await visit(service, "v", custom("1", "add_to_cart"))
    assert await matched(service, session) == []


async def test_deactivating_keeps_assignments_made(service: Service):
    segment = await create_segment(service, "Cart", condition("eventName", "EQUAL", "add_to_cart"))
    session = await visit(service, "v", custom("1", "add_to_cart"))
    await service.data(SET_ACTIVE, {"id": segment["id"], "active": False})
    assert await matched(service, session) == ["Cart"]


async def test_reactivating_resumes_assignments(service: Service):
    segment = await create_segment(service, "Cart", condition("eventName", "EQUAL", "add_to_cart"))
    await service.data(SET_ACTIVE, {"id": segment["id"], "active": False})
    await service.data(SET_ACTIVE, {"id": segment["id"], "active": True})
    session = await visit(service, "v", custom("1", "add_to_cart"))
    assert await matched(service, session) == ["Cart"]


async def test_changed_conditions_restart_progress(service: Service):
    segment = await create_segment(service, "Keen", condition("eventName", "EQUAL", "add_to_cart", count=2))
    session = await visit(service, "v", custom("1", "add_to_cart"))
    await service.data(
        "mutation($id: ID!, $input: SegmentInput!) { updateSegment(id: $id, input: $input) { id } }",
        {"id": segment["id"], "input": {"name": "Keen", "color": "#FF8800", "scope": "SESSION", "conditions": [
            condition("eventName", "EQUAL", "add_to_cart", count=3)]}},
    )
    await visit(service, "v", custom("2", "add_to_cart"), custom("3", "add_to_cart"))
    assert await matched(service, session) == []
    await visit(service, "v", custom("4", "add_to_cart"))
    assert await matched(service, session) == ["Keen"]


async def test_a_deleted_segment_leaves_the_session(service: Service):
    segment = await create_segment(service, "Cart", condition("eventName", "EQUAL", "add_to_cart"))
    session = await visit(service, "v", custom("1", "add_to_cart"))
    deleted = await service.data("mutation($id: ID!) { deleteSegment(id: $id) }", {"id": segment["id"]})
    assert deleted == {"deleteSegment": True}
    assert await matched(service, session) == []


async def test_a_change_on_another_instance_takes_effect_after_the_refresh_interval(start):
    first = await start(segment_refresh_seconds=2)
    second = await start(database=first.settings.database, segment_refresh_seconds=2)
    session = await visit(second, "v", page("1"))  # the second instance has read the segments
    await create_segment(first, "Cart", condition("eventName", "EQUAL", "add_to_cart"))
    await visit(second, "v", custom("2", "add_to_cart"))
    assert await matched(second, session) == []
    second.clock.advance(seconds=2)
    await visit(second, "v", custom("3", "add_to_cart"))
    assert await matched(second, session) == ["Cart"]
