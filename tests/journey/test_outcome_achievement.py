"""Outcomes achieved in real time through the real pipeline: the conditions, the record on
the session, the map item, and when a definition takes effect."""

from __future__ import annotations

import pytest

from live import topics
from tests.support.outcomes import PURCHASE, create_outcome, custom, page, progress, track
from tests.support.segments import condition, create_segment
from tests.support.service import Service

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
SET_ACTIVE = "mutation($id: ID!, $active: Boolean!) { setOutcomeActive(id: $id, active: $active) { active } }"
MAP = """query($id: ID!) { session(id: $id) {
    hasDetail journey { nodes { kind name icon outcome { id name positive } } } } }"""

# (case, conditions, events that achieve it, events that do not)
CASES = [
    ("event name", [PURCHASE], [custom("b", "purchase")], [custom("b", "add_to_cart")]),
    ("page url pattern", [condition("page.url", "CONTAINS_ANY", "/thank-you")],
     [page("p", "/checkout/thank-you")], [page("p", "/checkout")]),
    ("attribute", [condition("attributes.total", "GREATER_THAN", "100")],
     [custom("b", "purchase", total=150)], [custom("b", "purchase", total=80)]),
    ("count", [condition("page.url", "STARTS_WITH", "https://shop.example/p/", count=3)],
     [page("a", "/p/1"), page("b", "/p/2"), page("c", "/p/3")], [page("a", "/p/1"), page("b", "/p/2")]),
    ("journey and context", [PURCHASE, condition("device.category", "NOT_EQUAL", "mobile")],
     [custom("b", "purchase")], [{**custom("b", "purchase"), "userAgent": IPHONE}]),
]


def achieved(outcomes: list[dict]) -> list[str]:
    return [entry["outcome"]["name"] for entry in outcomes if entry["achieved"]]


@pytest.mark.parametrize(("case", "conditions", "achieving", "other"), CASES, ids=[c[0] for c in CASES])
async def test_conditions_tell_sessions_apart(service: Service, case, conditions, achieving, other):
    await create_outcome(service, "Goal", *conditions)
    assert achieved(await progress(service, await track(service, "yes", *achieving))) == ["Goal"]
    assert achieved(await progress(service, await track(service, "no", *other))) == []


async def test_counts_carry_across_batches(service: Service):
    await create_outcome(service, "Keen", condition("eventName", "EQUAL", "add_to_cart", count=2))
    session = await track(service, "v", custom("1", "add_to_cart"))
    await track(service, "v", page("2"), custom("3", "add_to_cart"))
    assert achieved(await progress(service, session)) == ["Keen"]


async def test_the_session_records_when_it_was_achieved(service: Service):
    service.clock.set(service.clock.now().replace(microsecond=0))  # as stored: whole milliseconds
    await create_outcome(service)
    session = await track(service, "v", page("1"), custom("2", "purchase"))
    [entry] = await progress(service, session)
    assert (entry["achieved"], entry["probability"]) == (True, 1.0)
    assert entry["achievedAt"] == service.clock.now().isoformat()


async def test_the_achievement_is_a_map_item_after_its_event(service: Service):
    outcome = await create_outcome(service, "Purchase", positive=True)
    session = await track(service, "v", page("1"), custom("2", "purchase"), page("3"))
    data = await service.data(MAP, {"id": session})
    assert data["session"]["journey"]["nodes"] == [
        {"kind": "PAGEVIEW", "name": "pageview", "icon": "pageview", "outcome": None},
        {"kind": "CUSTOM", "name": "purchase", "icon": "custom", "outcome": None},
        {"kind": "OUTCOME_ACHIEVED", "name": "Purchase", "icon": "outcome",
         "outcome": {"id": outcome["id"], "name": "Purchase", "positive": True}},
        {"kind": "PAGEVIEW", "name": "pageview", "icon": "pageview", "outcome": None},
    ]
    assert data["session"]["hasDetail"] is True


async def test_the_achievement_follows_the_segment_its_event_matched(service: Service):
    await create_segment(service, "Buyer", PURCHASE)
    await create_outcome(service)
    session = await track(service, "v", custom("1", "purchase"))
    nodes = (await service.data(MAP, {"id": session}))["session"]["journey"]["nodes"]
    assert [node["kind"] for node in nodes] == ["CUSTOM", "SEGMENT_MATCHED", "OUTCOME_ACHIEVED"]


async def test_a_session_achieves_an_outcome_once(service: Service):
    await create_outcome(service)
    session = await track(service, "v", custom("1", "purchase"), custom("2", "purchase"))
    await track(service, "v", custom("3", "purchase"))
    nodes = (await service.data(MAP, {"id": session}))["session"]["journey"]["nodes"]
    assert [node["kind"] for node in nodes].count("OUTCOME_ACHIEVED") == 1


async def test_an_outcome_ends_with_its_session(service: Service):
    await create_outcome(service)
    await track(service, "v", custom("1", "purchase"))
    service.clock.advance(minutes=31)
    assert achieved(await progress(service, await track(service, "v", page("2")))) == []


async def test_a_new_outcome_applies_from_then_on(service: Service):
    session = await track(service, "v", custom("1", "add_to_cart"))
    await create_outcome(service, "Keen", condition("eventName", "EQUAL", "add_to_cart", count=2))
    await track(service, "v", custom("2", "add_to_cart"))
    assert achieved(await progress(service, session)) == []
    await track(service, "v", custom("3", "add_to_cart"))
    assert achieved(await progress(service, session)) == ["Keen"]


async def test_an_inactive_outcome_is_neither_achieved_nor_shown(service: Service):
    outcome = await create_outcome(service)
    await service.data(SET_ACTIVE, {"id": outcome["id"], "active": False})
    session = await track(service, "v", custom("1", "purchase"))
    assert await progress(service, session) == []


async def test_an_achievement_stays_when_its_outcome_is_deactivated(service: Service):
    outcome = await create_outcome(service)
    session = await track(service, "v", custom("1", "purchase"))
    await service.data(SET_ACTIVE, {"id": outcome["id"], "active": False})
    assert achieved(await progress(service, session)) == ["Purchase"]


async def test_a_deleted_outcome_leaves_the_session_but_not_the_map(service: Service):
    outcome = await create_outcome(service)
    session = await track(service, "v", custom("1", "purchase"))
    await service.data("mutation($id: ID!) { deleteOutcome(id: $id) }", {"id": outcome["id"]})
    assert await progress(service, session) == []
    nodes = (await service.data(MAP, {"id": session}))["session"]["journey"]["nodes"]
    assert [node["kind"] for node in nodes] == ["CUSTOM", "OUTCOME_ACHIEVED"]


async def test_journey_map_subscribers_receive_the_achievement_after_its_event(service: Service):
    await create_outcome(service)
    session = await track(service, "v", page("1"))
    query = "subscription($id: ID!) { journeyMap(sessionId: $id) { kind name icon outcome { name } } }"
    async with service.socket() as socket:
        op = await socket.subscribe(query, {"id": session})
        await service.until_listening(topics.journey(session))
        await track(service, "v", custom("2", "purchase"))
        received = [(await socket.next(op))["journeyMap"] for _ in range(2)]
        assert received == [
            {"kind": "CUSTOM", "name": "purchase", "icon": "custom", "outcome": None},
            {"kind": "OUTCOME_ACHIEVED", "name": "Purchase", "icon": "outcome", "outcome": {"name": "Purchase"}},
        ]
