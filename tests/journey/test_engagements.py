"""Engagements, forms, icons and detail on demand, as an agent console sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from live import topics
from tests.support.segments import condition, create_segment
from tests.support.service import Service

MAP = """query($s: ID!) { session(id: $s) { eventCount hasDetail journey { nodes { kind name icon page { url }
    engagement { engagementId mediaType state responseSeconds } form { name fields } } } } }"""


def pageview(event_id: str, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}", "title": path}}


def engagement(event_id: str, engagement_id: str, media: str, state: str, **extra) -> dict:
    return {"id": event_id, "type": "engagement", "engagementId": engagement_id, "mediaType": media,
            "state": state, **extra}


async def journey(service: Service, session_id: str) -> dict:
    return (await service.data(MAP, {"s": session_id}))["session"]


PATHS = {
    ("chat-1", "webchat"): ["qualified", "offered", "accepted", "started", "engaged", "completed"],
    ("msg-1", "webmessaging"): ["offered", "rejected"],
    ("content-1", "content"): ["offered", "ignored"],
    ("custom-1", "custom"): ["offered", "timedout"],
    ("chat-2", "webchat"): ["offered", "accepted", "abandoned"],
    ("chat-3", "webchat"): ["offered", "errored"],
    ("msg-2", "webmessaging"): ["qualified", "frequencycapreached"],
}


async def test_every_media_type_and_state_lands_on_the_map_with_its_icon(service: Service):
    now = service.clock.now() - timedelta(minutes=30)
    events, n = [{**pageview("p", "/product"), "occurredAt": now.isoformat()}], 0
    for (engagement_id, media), states in PATHS.items():
        for state in states:
            n += 1
            events.append(engagement(f"e{n}", engagement_id, media, state,
                                     occurredAt=(now + timedelta(seconds=n)).isoformat()))
    body = await service.collect(events)
    assert {e["status"] for e in body["events"]} == {"accepted"}
    nodes = [node for node in (await journey(service, body["sessionIds"][0]))["journey"]["nodes"]
             if node["kind"] == "WEB_ACTION"]
    seen = {(n["engagement"]["mediaType"], n["engagement"]["state"]) for n in nodes}
    assert {state for _, state in seen} == {
        "qualified", "offered", "frequencycapreached", "accepted", "rejected", "ignored", "timedout",
        "errored", "started", "engaged", "completed", "abandoned"}
    assert {media for media, _ in seen} == {"webchat", "webmessaging", "content", "custom"}
    assert all(n["icon"] == f"{n['engagement']['mediaType']}-{n['engagement']['state']}" for n in nodes)
    assert all(n["page"] == {"url": "https://shop.example/product"} for n in nodes)


async def test_answer_carries_the_time_from_offer(service: Service):
    now = service.clock.now()
    body = await service.collect([
        pageview("p"),
        engagement("1", "c", "webchat", "offered", occurredAt=(now - timedelta(seconds=20)).isoformat()),
        engagement("2", "c", "webchat", "accepted", occurredAt=(now - timedelta(seconds=8)).isoformat()),
    ])
    nodes = [n for n in (await journey(service, body["sessionIds"][0]))["journey"]["nodes"]
             if n["kind"] == "WEB_ACTION"]
    assert [n["engagement"]["responseSeconds"] for n in nodes] == [None, 12.0]


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        (["accepted"], "events[0].state: 'accepted' before the engagement was offered"),
        (["offered", "accepted", "rejected"], "events[0].state: the offer was already answered ('accepted')"),
        (["offered", "rejected", "accepted"], "events[0].state: the engagement already ended as 'rejected'"),
        (["offered", "completed"], "events[0].state: 'completed' cannot follow 'offered'"),
    ],
)
async def test_illegal_transitions_are_refused_and_leave_nothing(service: Service, steps, reason):
    body = None
    for n, state in enumerate(steps):
        body = await service.collect([engagement(f"s{n}", "x", "webchat", state)])
    assert body["events"][0] == {"id": f"s{len(steps) - 1}", "status": "rejected", "reason": reason, "sessionId": None}
    customer = body["customerIds"] or None
    sessions = await service.services.db.sessions.find({}).to_list()
    assert all(s["eventCount"] == len(steps) - 1 for s in sessions)
    assert customer is None


async def test_media_type_cannot_change_mid_engagement(service: Service):
    await service.collect([engagement("1", "x", "webchat", "offered")])
    body = await service.collect([engagement("2", "x", "content", "accepted")])
    assert body["events"][0]["reason"] == "events[0].mediaType: the engagement is a webchat engagement"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("mediaType", "fax", "events[0].mediaType: must be one of webchat, webmessaging, content, custom"),
        ("state", "maybe", "events[0].state: must be one of qualified, offered"),
        ("engagementId", "a b", "events[0].engagementId: must be 1 to 64 of letters, digits, - and _"),
    ],
)
async def test_bad_engagement_fields_are_named(service: Service, field, value, reason):
    event = engagement("1", "x", "webchat", "offered")
    event[field] = value
    body = await service.collect([event])
    assert body["events"][0]["reason"].startswith(reason)


async def test_engagements_are_pushed_live(service: Service):
    body = await service.collect([pageview("p")])
    async with service.socket() as socket:
        op = await socket.subscribe("subscription($s: ID!) { journeyMap(sessionId: $s) { kind icon "
                                    "engagement { state } } }", {"s": body["sessionIds"][0]})
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        await service.collect([engagement("1", "c", "content", "offered")])
        assert (await socket.next(op))["journeyMap"] == {
            "kind": "WEB_ACTION", "icon": "content-offered", "engagement": {"state": "offered"}}


async def test_agent_systems_record_engagements_by_mutation(service: Service):
    body = await service.collect([pageview("p")])
    record = """mutation($s: ID!, $state: String!) { recordEngagement(input: {sessionId: $s, engagementId: "bot-1",
        mediaType: "webmessaging", state: $state}) { eventCount } }"""
    await service.data(record, {"s": body["sessionIds"][0], "state": "offered"})
    data = await service.data(record, {"s": body["sessionIds"][0], "state": "accepted"})
    assert data["recordEngagement"]["eventCount"] == 3
    again = await service.graphql(record, {"s": body["sessionIds"][0], "state": "rejected"})
    assert again["errors"][0]["message"] == "state: the offer was already answered ('accepted')"
    missing = await service.graphql(record, {"s": "nope", "state": "offered"})
    assert missing["errors"][0]["message"] == "sessionId: no such web session"


SAVE = """mutation($f: [String!]!) { saveDeployment(input: {id: "default", allowedOrigins: ["*"], formFields: $f})
    { formFields } }"""


async def test_forms_keep_only_allow_listed_fields_never_secrets(service: Service):
    await service.data(SAVE, {"f": ["email", "plan", "reference"]})
    body = await service.collect([
        pageview("p", "/signup"),
        {"id": "f1", "type": "form_submitted", "formName": "signup",
         "fields": {"email": "a@shop.example", "plan": "gold", "password": "hunter2", "notes": "x",
                    "reference": "4111 1111 1111 1111"}},
        {"id": "f2", "type": "form_abandoned", "formName": "newsletter", "fields": {"email": "b@shop.example"}},
    ])
    nodes = (await journey(service, body["sessionIds"][0]))["journey"]["nodes"]
    submitted, abandoned = nodes[1], nodes[2]
    assert submitted == {"kind": "FORM_SUBMITTED", "name": "signup", "icon": "form-submitted", "page": None,
                         "engagement": None, "form": {"name": "signup", "fields": {"email": "a@shop.example",
                                                                                  "plan": "gold"}}}
    assert abandoned["kind"] == "FORM_ABANDONED" and abandoned["icon"] == "form-abandoned"
    stored = str(await service.services.db.events.find({}).to_list())
    assert "hunter2" not in stored and "4111" not in stored


async def test_forms_without_an_allow_list_keep_no_field_values(service: Service):
    body = await service.collect([{"id": "f", "type": "form_submitted", "formName": "contact",
                                   "fields": {"email": "a@shop.example"}}])
    nodes = (await journey(service, body["sessionIds"][0]))["journey"]["nodes"]
    assert nodes[0]["form"] == {"name": "contact", "fields": {}}


async def test_password_field_cannot_be_allow_listed(service: Service):
    answer = await service.graphql(SAVE, {"f": ["email", "password"]})
    assert answer["errors"][0]["message"] == "formFields[1]: 'password' looks like a password or card field"


async def test_icon_of_every_event_kind_and_the_legend_explains_them(service: Service):
    body = await service.collect([
        pageview("1"),
        {"id": "2", "type": "search", "query": "hat"},
        {"id": "3", "type": "custom", "name": "video_played"},
        {"id": "4", "type": "custom", "name": "add_to_cart", "icon": "cart"},
        {"id": "5", "type": "form_submitted", "formName": "f"},
        {"id": "6", "type": "form_abandoned", "formName": "g"},
        engagement("7", "e", "webchat", "offered"),
        {"id": "8", "type": "identify", "traits": {"email": "icons@shop.example"}},
        {"id": "9", "type": "logout"},
    ])
    nodes = (await journey(service, body["sessionIds"][0]))["journey"]["nodes"]
    icons = [n["icon"] for n in nodes]
    assert icons == ["pageview", "search", "custom", "cart", "form-submitted", "form-abandoned",
                     "webchat-offered", "identified", "logout"]
    legend = {entry["name"]: entry["description"]
              for entry in (await service.data("{ journeyIcons { name description } }"))["journeyIcons"]}
    assert set(icons) <= set(legend)
    assert {"segment", "outcome", "conversation-started", "webmessaging-rejected"} <= set(legend)
    assert legend["cart"] == "Added to cart"


async def test_unknown_custom_icon_is_refused(service: Service):
    body = await service.collect([{"id": "1", "type": "custom", "name": "x", "icon": "rocket"}])
    assert body["events"][0]["reason"].startswith("events[0].icon: must be one of cart, heart")


async def test_a_card_has_detail_only_with_searches_segments_or_outcomes(service: Service):
    body = await service.collect([pageview("1")])
    assert (await journey(service, body["sessionIds"][0]))["hasDetail"] is False
    await service.collect([{"id": "2", "type": "search", "query": "boots"}])
    assert (await journey(service, body["sessionIds"][0]))["hasDetail"] is True


async def test_several_full_journeys_cost_a_fixed_number_of_round_trips(start):
    service = await start(sweep_interval_seconds=3600)
    ids = []
    for n in range(10):
        body = await service.collect([pageview("a"), pageview("b"), {"id": "c", "type": "search", "query": "x"}],
                                     cookie_id=f"rt{n}")
        ids.append(body["sessionIds"][0])
    query = "query($ids: [ID!]!) { sessions(ids: $ids) { id journey { nodes { kind icon } } } }"
    counts = {}
    for size in (2, 10):
        service.commands.reset()
        data = await service.data(query, {"ids": ids[:size]})
        assert all(len(s["journey"]["nodes"]) == 3 for s in data["sessions"])
        counts[size] = service.commands.count
    assert counts[2] == counts[10] == 2, counts


async def test_hidden_segments_are_not_detail_for_agents(service: Service):
    await create_segment(service, "Internal", condition("eventName", "EQUAL", "pageview"), displayToAgent=False)
    body = await service.collect([pageview("1")])
    agent_token = await service.data(
        'mutation { createApiKey(input: {name: "agent", permissions: ["externalContacts:session:view", '
        '"journey:event:view"]}) { token } }')
    agent = agent_token["createApiKey"]["token"]
    assert (await service.data(MAP, {"s": body["sessionIds"][0]}))["session"]["hasDetail"] is True
    seen = await service.data("query($s: ID!) { session(id: $s) { hasDetail } }", {"s": body["sessionIds"][0]},
                              token=agent)
    assert seen["session"]["hasDetail"] is False
