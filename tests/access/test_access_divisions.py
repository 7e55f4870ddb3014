"""Conversation sessions are division-owned (S2); web sessions are not."""

from __future__ import annotations

from access import permissions as perm
from live import topics
from tests.access.conftest import token

RECORD = """mutation($input: ConversationInput!) { recordConversation(input: $input) { id type divisionId status
    conversation { channel direction queue agent subject } } }"""
CARDS = "query($c: ID!) { customer(id: $c) { sessions { nodes { id type divisionId } } } }"
VIEW = sorted(perm.VIEW)


async def customer_with_conversations(service) -> tuple[str, str, dict[str, str]]:
    body = await service.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    customer = body["customerIds"][0]
    ids = {}
    for division in ("sales", "support"):
        data = await service.data(RECORD, {"input": {
            "conversationId": f"conv-{division}", "customerId": customer, "channel": "CALL",
            "direction": "INBOUND", "divisionId": division, "queue": f"{division} queue",
            "startedAt": service.clock.now().isoformat()}})
        ids[division] = data["recordConversation"]["id"]
    return customer, body["sessionIds"][0], ids


async def test_recorded_conversation_is_a_card_with_its_details(secured):
    customer, _, _ = await customer_with_conversations(secured)
    data = await secured.data(CARDS, {"c": customer})
    kinds = {(n["type"], n["divisionId"]) for n in data["customer"]["sessions"]["nodes"]}
    assert kinds == {("WEB", None), ("CONVERSATION", "sales"), ("CONVERSATION", "support")}


async def test_recording_the_same_conversation_again_updates_its_card(secured):
    customer, _, ids = await customer_with_conversations(secured)
    data = await secured.data(RECORD, {"input": {
        "conversationId": "conv-sales", "customerId": customer, "channel": "CALL", "direction": "INBOUND",
        "divisionId": "sales", "agent": "Ana", "startedAt": secured.clock.now().isoformat(),
        "endedAt": secured.clock.now().isoformat()}})
    assert data["recordConversation"]["id"] == ids["sales"]
    assert data["recordConversation"]["status"] == "INACTIVE"
    assert data["recordConversation"]["conversation"]["agent"] == "Ana"


async def test_lists_show_only_the_callers_divisions(secured):
    customer, web, ids = await customer_with_conversations(secured)
    data = await secured.data(CARDS, {"c": customer}, token=token(VIEW, ["sales"]))
    assert {n["id"] for n in data["customer"]["sessions"]["nodes"]} == {web, ids["sales"]}


async def test_direct_fetch_of_another_divisions_conversation_is_null(secured):
    _, web, ids = await customer_with_conversations(secured)
    data = await secured.data(
        "query($a: ID!, $b: ID!, $w: ID!) { session(id: $b) { id } sessions(ids: [$a, $b, $w]) { id } }",
        {"a": ids["sales"], "b": ids["support"], "w": web}, token=token(VIEW, ["sales"]),
    )
    assert data == {"session": None, "sessions": [{"id": ids["sales"]}, None, {"id": web}]}


async def test_web_sessions_need_no_division(secured):
    customer, web, _ = await customer_with_conversations(secured)
    data = await secured.data(CARDS, {"c": customer}, token=token(VIEW, []))
    assert [n["id"] for n in data["customer"]["sessions"]["nodes"]] == [web]


async def test_summary_never_reveals_another_divisions_conversation(secured):
    customer, web, _ = await customer_with_conversations(secured)
    data = await secured.data(
        "query($c: ID!) { customer(id: $c) { summary { currentSession { id } } } }",
        {"c": customer}, token=token(VIEW, []),
    )
    assert data["customer"]["summary"]["currentSession"] == {"id": web}


async def test_card_subscription_never_pushes_another_divisions_conversation(secured):
    body = await secured.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    customer = body["customerIds"][0]
    sub = "subscription($c: ID!) { sessionCards(customerId: $c) { kind session { id divisionId } } }"
    async with secured.socket(token=token(VIEW, ["sales"])) as socket:
        op = await socket.subscribe(sub, {"c": customer})
        await secured.until_listening(topics.cards(customer))
        for division in ("support", "sales"):
            await secured.data(RECORD, {"input": {
                "conversationId": f"c-{division}", "customerId": customer, "channel": "EMAIL",
                "direction": "OUTBOUND", "divisionId": division, "startedAt": secured.clock.now().isoformat()}})
        pushed = (await socket.next(op))["sessionCards"]
        assert pushed["session"]["divisionId"] == "sales"
        await socket.nothing(op)


async def test_conversation_for_an_unknown_customer_is_refused_by_field(secured):
    answer = await secured.graphql(RECORD, {"input": {
        "conversationId": "x", "customerId": "nobody", "channel": "CALL", "direction": "INBOUND",
        "divisionId": "sales", "startedAt": "2026-01-01T00:00:00Z"}})
    assert answer["errors"][0]["message"] == "customerId: no such customer"
