"""Defining segments: the admin mutations, the listing, and errors naming the bad part."""

from __future__ import annotations

import pytest

from live import topics
from tests.support.segments import CREATE, SEGMENT_FIELDS, condition, create_segment, segment_input
from tests.support.service import Service

UPDATE = f"mutation($id: ID!, $input: SegmentInput!) {{ updateSegment(id: $id, input: $input) {{ {SEGMENT_FIELDS} }} }}"
LIST = f"{{ segments {{ {SEGMENT_FIELDS} }} }}"
CARDS = "subscription($c: ID!) { sessionCards(customerId: $c) { session { segments { segment { name color } } } } }"
MAP = "subscription($s: ID!) { journeyMap(sessionId: $s) { kind icon name segment { name color } } }"


async def test_create_returns_the_stored_definition(service: Service):
    segment = await create_segment(
        service, "Mobile buyers",
        condition("device.category", "EQUAL", "Mobile"),
        condition("eventName", "EQUAL", "purchase", count=2),
        description="Bought twice from a phone", color="#a1b2c3", scope="CUSTOMER", displayToAgent=False,
    )
    assert segment.pop("id")
    assert segment == {
        "name": "Mobile buyers", "color": "#A1B2C3", "description": "Bought twice from a phone",
        "scope": "CUSTOMER", "displayToAgent": False, "active": True,
        "conditions": [
            {"field": "device.category", "operator": "EQUAL", "values": ["Mobile"], "count": None},
            {"field": "eventName", "operator": "EQUAL", "values": ["purchase"], "count": 2},
        ],
    }


async def test_segments_are_listed_oldest_first(service: Service):
    for name in ("One", "Two", "Three"):
        await create_segment(service, name)
    names = [segment["name"] for segment in (await service.data(LIST))["segments"]]
    assert names == ["One", "Two", "Three"]


async def test_update_replaces_the_definition(service: Service):
    segment = await create_segment(service, "Old", description="kept", displayToAgent=False)
    updated = (await service.data(UPDATE, {"id": segment["id"], "input": segment_input(
        "New", condition("searchQuery", "CONTAINS_ANY", "boots"), color="#000000", scope="CUSTOMER",
    )}))["updateSegment"]
    assert (updated["name"], updated["color"], updated["scope"]) == ("New", "#000000", "CUSTOMER")
    assert updated["conditions"] == [
        {"field": "searchQuery", "operator": "CONTAINS_ANY", "values": ["boots"], "count": 1}
    ]
    # Left out of the input: kept, so an edit never shows a hidden segment by accident.
    assert (updated["description"], updated["displayToAgent"]) == ("kept", False)


async def test_set_active_switches_a_segment_off_and_on(service: Service):
    segment = await create_segment(service)
    query = "mutation($id: ID!, $on: Boolean!) { setSegmentActive(id: $id, active: $on) { active } }"
    assert (await service.data(query, {"id": segment["id"], "on": False}))["setSegmentActive"] == {"active": False}
    assert [s["active"] for s in (await service.data(LIST))["segments"]] == [False]


async def test_delete_removes_the_segment(service: Service):
    segment = await create_segment(service)
    query = "mutation($id: ID!) { deleteSegment(id: $id) }"
    assert await service.data(query, {"id": segment["id"]}) == {"deleteSegment": True}
    assert await service.data(query, {"id": segment["id"]}) == {"deleteSegment": False}
    assert (await service.data(LIST))["segments"] == []


@pytest.mark.parametrize("mutation", [
    'updateSegment(id: "nope", input: {name: "x", color: "#000000", scope: SESSION, conditions: '
    '[{field: "eventName", operator: EQUAL, values: ["a"]}]}) { id }',
    'setSegmentActive(id: "nope", active: false) { id }',
])
async def test_an_unknown_segment_is_a_clear_error(service: Service, mutation):
    body = await service.graphql(f"mutation {{ {mutation} }}")
    assert body["errors"][0]["message"] == "id: no such segment"


BAD = [
    ("color", {"color": "orange"}, "color: must be #RRGGBB"),
    ("short color", {"color": "#FFF"}, "color: must be #RRGGBB"),
    ("empty name", {"name": "  "}, "name: must not be empty"),
    ("long name", {"name": "n" * 101}, "name: is longer than 100 characters"),
    ("no conditions", {"conditions": []}, "conditions: at least one condition is required"),
    ("unknown field", {"conditions": [condition("eventName", "EQUAL", "a"), condition("shoeSize", "EQUAL", "9")]},
     "conditions[1].field: unknown field 'shoeSize'"),
    ("comparison needs a number", {"conditions": [condition("attributes.price", "GREATER_THAN", "lots")]},
     "conditions[0].values[0]: GREATER_THAN needs a number, got 'lots'"),
    ("comparison takes one value", {"conditions": [condition("attributes.price", "LESS_THAN", "1", "2")]},
     "conditions[0].values: LESS_THAN takes exactly one value, got 2"),
    ("no values", {"conditions": [condition("eventName", "EQUAL")]},
     "conditions[0].values: at least one value is required"),
    ("count on a context field", {"conditions": [condition("browser.family", "EQUAL", "chrome", count=2)]},
     "conditions[0].count: not allowed on context field 'browser.family'"),
    ("count below one", {"conditions": [condition("eventName", "EQUAL", "a", count=0)]},
     "conditions[0].count: must be at least 1"),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD, ids=[b[0] for b in BAD])
async def test_a_bad_definition_is_refused_naming_the_bad_part(service: Service, case, change, message):
    body = await service.graphql(CREATE, {"input": {**segment_input(), **change}})
    assert body["errors"][0]["message"] == message
    assert (await service.data(LIST))["segments"] == []


async def test_an_unknown_operator_is_refused_naming_it(service: Service):
    body = await service.graphql(CREATE, {"input": segment_input("x", condition("eventName", "LIKE", "a"))})
    assert body["errors"][0]["message"] == (
        "Variable '$input' has invalid value at .conditions[0].operator: "
        "Value 'LIKE' does not exist in 'ConditionOperator' enum."
    )


async def test_a_bad_update_leaves_the_segment_as_it_was(service: Service):
    segment = await create_segment(service, "Kept")
    body = await service.graphql(UPDATE, {"id": segment["id"], "input": segment_input("Changed", color="red")})
    assert body["errors"][0]["message"] == "color: must be #RRGGBB"
    assert [s["name"] for s in (await service.data(LIST))["segments"]] == ["Kept"]


async def test_map_subscribers_receive_the_match_in_its_colour(service: Service):
    await create_segment(service, "Cart", condition("eventName", "EQUAL", "add_to_cart"), color="#00FF00")
    body = await service.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"s": body["sessionIds"][0]})
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        await service.collect([{"id": "2", "type": "custom", "name": "add_to_cart"}])
        pushed = [(await socket.next(op))["journeyMap"] for _ in range(2)]
        assert pushed == [
            {"kind": "CUSTOM", "icon": "custom", "name": "add_to_cart", "segment": None},
            {
                "kind": "SEGMENT_MATCHED", "icon": "segment", "name": "Cart",
                "segment": {"name": "Cart", "color": "#00FF00"},
            },
        ]


async def test_card_subscribers_receive_the_sessions_segments(service: Service):
    await create_segment(service, "Cart", condition("eventName", "EQUAL", "add_to_cart"), color="#00FF00")
    body = await service.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    async with service.socket() as socket:
        op = await socket.subscribe(CARDS, {"c": body["customerIds"][0]})
        await service.until_listening(topics.cards(body["customerIds"][0]))
        await service.collect([{"id": "2", "type": "custom", "name": "add_to_cart"}])
        card = (await socket.next(op))["sessionCards"]
        assert card["session"]["segments"] == [{"segment": {"name": "Cart", "color": "#00FF00"}}]
