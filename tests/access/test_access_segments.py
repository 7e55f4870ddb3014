"""Segments: only 'journey:segment:edit' changes them, and segments hidden from agents
reach only callers who hold it, on every path."""

from __future__ import annotations

import pytest

from access import permissions as perm
from live import topics
from tests.access.conftest import all_but, token
from tests.support.segments import condition, create_segment, map_matches, matched

EDITOR = token(perm.ALL, ["*"])
AGENT = token(all_but(perm.SEGMENT_EDIT), ["*"])
INPUT = (
    '{name: "x", color: "#000000", scope: SESSION, '
    'conditions: [{field: "eventName", operator: EQUAL, values: ["a"]}]}'
)
MUTATIONS = [
    ("createSegment", f"mutation {{ createSegment(input: {INPUT}) {{ id }} }}"),
    ("updateSegment", f'mutation {{ updateSegment(id: "any", input: {INPUT}) {{ id }} }}'),
    ("setSegmentActive", 'mutation { setSegmentActive(id: "any", active: false) { id } }'),
    ("deleteSegment", 'mutation { deleteSegment(id: "any") }'),
]


@pytest.mark.parametrize(("name", "mutation"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
async def test_changing_segments_needs_segment_edit(secured, name, mutation):
    refused = await secured.graphql(mutation, token=AGENT)
    error = refused["errors"][0]
    assert error["path"] == [name]
    assert error["extensions"] == {"code": "FORBIDDEN", "permission": perm.SEGMENT_EDIT}


async def hidden_and_shown(service) -> str:
    """A hidden and a shown segment, both matched by one session; the session."""
    await create_segment(service, "Hidden", condition("eventName", "EQUAL", "pageview"),
                         displayToAgent=False, token=EDITOR)
    await create_segment(service, "Shown", condition("eventName", "EQUAL", "pageview"), token=EDITOR)
    body = await service.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    return body["sessionIds"][0]


@pytest.mark.parametrize(("caller", "expected"), [(EDITOR, ["Hidden", "Shown"]), (AGENT, ["Shown"])],
                         ids=["editor", "agent"])
async def test_segments_lists_hidden_ones_only_to_editors(secured, caller, expected):
    await hidden_and_shown(secured)
    data = await secured.data("{ segments { name } }", token=caller)
    assert [segment["name"] for segment in data["segments"]] == expected


@pytest.mark.parametrize(("caller", "expected"), [(EDITOR, ["Hidden", "Shown"]), (AGENT, ["Shown"])],
                         ids=["editor", "agent"])
async def test_session_segments_show_hidden_ones_only_to_editors(secured, caller, expected):
    session = await hidden_and_shown(secured)
    assert await matched(secured, session, token=caller) == expected


@pytest.mark.parametrize(("caller", "expected"), [(EDITOR, ["Hidden", "Shown"]), (AGENT, ["Shown"])],
                         ids=["editor", "agent"])
async def test_map_items_of_hidden_segments_reach_only_editors(secured, caller, expected):
    session = await hidden_and_shown(secured)
    assert [item["name"] for item in await map_matches(secured, session, token=caller)] == expected


async def test_hiding_a_segment_later_hides_its_past_matches(secured):
    session = await hidden_and_shown(secured)
    shown = (await secured.data("{ segments { id name } }", token=EDITOR))["segments"][1]
    await secured.data(
        "mutation($id: ID!, $input: SegmentInput!) { updateSegment(id: $id, input: $input) { id } }",
        {"id": shown["id"], "input": {"name": "Shown", "color": "#000000", "scope": "SESSION", "displayToAgent": False,
                                      "conditions": [condition("eventName", "EQUAL", "pageview")]}},
        token=EDITOR,
    )
    assert await matched(secured, session, token=AGENT) == []
    assert await map_matches(secured, session, token=AGENT) == []


@pytest.mark.parametrize(("caller", "expected"), [(EDITOR, ["Hidden", "Shown"]), (AGENT, ["Shown"])],
                         ids=["editor", "agent"])
async def test_pushed_matches_of_hidden_segments_reach_only_editors(secured, caller, expected):
    await create_segment(secured, "Hidden", condition("eventName", "EQUAL", "add_to_cart"),
                         displayToAgent=False, token=EDITOR)
    await create_segment(secured, "Shown", condition("eventName", "EQUAL", "add_to_cart"), token=EDITOR)
    body = await secured.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    async with secured.socket(token=caller) as socket:
        op = await socket.subscribe(
            "subscription($s: ID!) { journeyMap(sessionId: $s) { kind name } }", {"s": body["sessionIds"][0]}
        )
        await secured.until_listening(topics.journey(body["sessionIds"][0]))
        await secured.collect([{"id": "2", "type": "custom", "name": "add_to_cart"}])
        pushed = [(await socket.next(op))["journeyMap"] for _ in range(1 + len(expected))]
        assert pushed == [{"kind": "CUSTOM", "name": "add_to_cart"}] + [
            {"kind": "SEGMENT_MATCHED", "name": name} for name in expected
        ]
        await socket.nothing(op)


async def test_a_deleted_segments_matches_leave_agents_maps(secured):
    session = await hidden_and_shown(secured)
    shown = (await secured.data("{ segments { id name } }", token=EDITOR))["segments"][1]
    await secured.data("mutation($id: ID!) { deleteSegment(id: $id) }", {"id": shown["id"]}, token=EDITOR)
    assert await map_matches(secured, session, token=AGENT) == []
