"""Conversation sessions: their card states, their own short journey, the link to the web
session they started in, and division isolation including live pushes."""

from __future__ import annotations

from datetime import timedelta

from access import permissions as perm
from live import topics
from tests.access.conftest import token

RECORD = """mutation($input: ConversationInput!) { recordConversation(input: $input) { id status
    conversation { state disposition wrapUpCode webSession { id } }
    journey { nodes { kind name icon } } } }"""
VIEW = sorted(perm.VIEW)


async def web_visit(service) -> tuple[str, str]:
    body = await service.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/help"}}])
    return body["customerIds"][0], body["sessionIds"][0]


def conversation(customer: str, now, **extra) -> dict:
    return {"conversationId": "conv-1", "customerId": customer, "channel": "WEBCHAT", "direction": "INBOUND",
            "divisionId": "sales", "startedAt": (now - timedelta(minutes=10)).isoformat(), **extra}


async def test_conversation_card_goes_from_active_to_wrapped_up_with_its_milestones(secured):
    customer, _ = await web_visit(secured)
    now = secured.clock.now()
    started = await secured.data(RECORD, {"input": conversation(customer, now)})
    assert started["recordConversation"]["conversation"]["state"] == "ACTIVE"
    assert [n["name"] for n in started["recordConversation"]["journey"]["nodes"]] == ["started"]
    ended = await secured.data(RECORD, {"input": conversation(
        customer, now, queuedAt=(now - timedelta(minutes=9)).isoformat(),
        connectedAt=(now - timedelta(minutes=8)).isoformat(), endedAt=now.isoformat(),
        disposition="ANSWERED", wrapUpCode="order-help")})
    card = ended["recordConversation"]
    assert card["status"] == "INACTIVE"
    assert card["conversation"]["state"] == "WRAPPED_UP"
    assert [(n["kind"], n["name"], n["icon"]) for n in card["journey"]["nodes"]] == [
        ("CONVERSATION", "started", "conversation-started"),
        ("CONVERSATION", "queued", "conversation-queued"),
        ("CONVERSATION", "connected", "conversation-connected"),
        ("CONVERSATION", "ended", "conversation-ended"),
    ]


async def test_abandoned_and_plain_ended_cards(secured):
    customer, _ = await web_visit(secured)
    now = secured.clock.now()
    abandoned = await secured.data(RECORD, {"input": conversation(
        customer, now, conversationId="c-a", endedAt=now.isoformat(), disposition="ABANDONED")})
    assert abandoned["recordConversation"]["conversation"]["state"] == "ABANDONED"
    ended = await secured.data(RECORD, {"input": conversation(customer, now, conversationId="c-e",
                                                              endedAt=now.isoformat())})
    assert ended["recordConversation"]["conversation"]["state"] == "ENDED"


async def test_conversation_links_to_the_web_session_it_started_in(secured):
    customer, web = await web_visit(secured)
    data = await secured.data(RECORD, {"input": conversation(customer, secured.clock.now(), webSessionId=web)})
    assert data["recordConversation"]["conversation"]["webSession"] == {"id": web}


async def test_link_to_another_customers_session_is_refused(secured):
    customer, _ = await web_visit(secured)
    other = await secured.collect([{"id": "1", "type": "search", "query": "x"}], cookie_id="other")
    answer = await secured.graphql(RECORD, {"input": conversation(
        customer, secured.clock.now(), webSessionId=other["sessionIds"][0])})
    assert answer["errors"][0]["message"] == "webSessionId: no such web session of this customer"


async def test_milestones_out_of_order_are_refused_by_field(secured):
    customer, _ = await web_visit(secured)
    now = secured.clock.now()
    answer = await secured.graphql(RECORD, {"input": conversation(
        customer, now, endedAt=(now - timedelta(hours=1)).isoformat())})
    assert answer["errors"][0]["message"] == "endedAt: is before startedAt"


async def test_conversation_map_is_pushed_only_within_the_division(secured):
    customer, _ = await web_visit(secured)
    now = secured.clock.now()
    first = await secured.data(RECORD, {"input": conversation(customer, now)})
    session_id = first["recordConversation"]["id"]
    sub = "subscription($s: ID!) { journeyMap(sessionId: $s) { name } }"
    async with secured.socket(token=token(VIEW, ["sales"])) as insider, \
            secured.socket(token=token(VIEW, ["support"])) as outsider:
        allowed = await insider.subscribe(sub, {"s": session_id})
        refused = await outsider.subscribe(sub, {"s": session_id})
        message = await outsider.message(refused)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["message"] == "sessionId: no such session"
        await secured.until_listening(topics.journey(session_id))
        await secured.data(RECORD, {"input": conversation(customer, now, connectedAt=now.isoformat())})
        assert (await insider.next(allowed))["journeyMap"] == {"name": "connected"}
