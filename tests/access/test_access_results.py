"""Mutation results and live pushes show only what the caller may read, and every path that
returns or writes a conversation keeps to the caller's divisions."""

from __future__ import annotations

from graphql import get_named_type

from access import permissions as perm
from live import topics
from tests.access.conftest import token
from tests.access.test_access_field_matrix import SCHEMA, fields_of, object_types

PAGE = {"url": "https://shop.example/boots"}
FORBIDDEN = "Forbidden: this field requires the '{}' permission"


async def visit(service, cookie_id: str = "leak") -> dict[str, str]:
    body = await service.collect([
        {"id": "1", "type": "pageview", "page": PAGE}, {"id": "2", "type": "search", "query": "red boots"},
    ], cookie_id=cookie_id)
    return {"c": body["customerIds"][0], "s": body["sessionIds"][0]}


def refused(answer: dict, path: list, permission: str) -> bool:
    return any(e["path"] == path and e["message"] == FORBIDDEN.format(permission) for e in answer["errors"])


async def test_record_engagement_answers_no_session_data_to_a_writer(secured):
    ids = await visit(secured)
    engage = ('mutation($s: ID!) { recordEngagement(input: {sessionId: $s, engagementId: "e1", '
              'mediaType: "webchat", state: "qualified"}) { id %s } }')
    writer = token([perm.EVENT_ADD], ["*"])
    assert (await secured.data(engage % "", ids, token=writer))["recordEngagement"] == {"id": ids["s"]}
    for field in ("searches { query }", "context { userAgent }", "outcomes { probability }", "lastPage { url }"):
        answer = await secured.graphql(engage % field, ids, token=writer)
        name = field.split()[0]
        assert ((answer["data"] or {}).get("recordEngagement") or {}).get(name) is None, answer
        permission = perm.SESSION_VIEW if name in ("searches", "outcomes") else perm.VISIT_VIEW
        assert answer["errors"][0]["path"] == ["recordEngagement", name]
        assert permission in answer["errors"][0]["message"]
    reader = token([perm.EVENT_ADD, perm.SESSION_VIEW], ["*"])
    shown = await secured.data(engage % "searches { query }", ids, token=reader)
    assert shown["recordEngagement"]["searches"] == [{"query": "red boots"}]


async def test_identify_customer_answers_no_identities_or_traits_to_an_editor(secured):
    ids = await visit(secured)
    identify = ('mutation($c: ID!) { identifyCustomer(input: {customerId: $c, email: "ann@shop.example", '
                'traits: {plan: "gold"}}) { id %s } }')
    editor = token([perm.CUSTOMER_EDIT], ["*"])
    assert (await secured.data(identify % "", ids, token=editor))["identifyCustomer"] == {"id": ids["c"]}
    for field in ("identities { value }", "traits"):
        answer = await secured.graphql(identify % field, ids, token=editor)
        assert refused(answer, ["identifyCustomer", field.split()[0]], perm.CUSTOMER_VIEW), answer
    viewer = token([perm.CUSTOMER_EDIT, perm.CUSTOMER_VIEW], ["*"])
    shown = await secured.data(identify % "identities { value } traits", ids, token=viewer)
    assert {"value": "ann@shop.example"} in shown["identifyCustomer"]["identities"]
    assert shown["identifyCustomer"]["traits"]["plan"] == "gold"


async def test_live_visitors_show_outcomes_only_with_the_session_permission(secured):
    await visit(secured)
    query = "{ liveVisitors { nodes { id %s } } }"
    visits = token([perm.VISIT_VIEW], ["*"])
    assert len((await secured.data(query % "", token=visits))["liveVisitors"]["nodes"]) == 1
    answer = await secured.graphql(query % "outcomes { probability }", token=visits)
    assert refused(answer, ["liveVisitors", "nodes", 0, "outcomes"], perm.SESSION_VIEW), answer
    both = token([perm.VISIT_VIEW, perm.SESSION_VIEW], ["*"])
    assert "errors" not in await secured.graphql(query % "outcomes { probability }", token=both)

    sub = "subscription { liveVisitors { kind session { id %s } } }"
    async with secured.socket(token=visits) as socket:
        bare, detailed = await socket.subscribe(sub % ""), await socket.subscribe(sub % "searches { query }")
        await secured.until_listening(topics.LIVE_VISITORS, 2)
        await secured.collect([{"id": "3", "type": "search", "query": "blue boots"}], cookie_id="leak")
        assert (await socket.next(bare))["liveVisitors"]["kind"] == "UPDATED"
        pushed = (await socket.message(detailed))["payload"]
        assert pushed["data"] is None
        assert pushed["errors"][0]["message"] == FORBIDDEN.format(perm.SESSION_VIEW)


# Divisions: every root field through which a session (so a conversation) can be read or
# written, found by walking the schema, must be covered by a division check here.
RECORD = """mutation($input: ConversationInput!) { recordConversation(input: $input) { id divisionId
    conversation { agent } } }"""
DIVISION_CHECKED = {
    # covered in tests/access/test_access_divisions.py and test_access_conversations.py
    "Query.session", "Query.sessions", "Query.customer", "Subscription.sessionCards", "Subscription.journeyMap",
    # covered below
    "Query.exportCustomer", "Mutation.recordConversation", "Query.customerByIdentity",
    "Mutation.identifyCustomer", "Mutation.mergeCustomers", "Mutation.splitCustomer",
    "Subscription.outcomeProgress", "Mutation.recordEngagement",
    # web sessions only: conversations are never live visitors
    "Query.liveVisitors", "Subscription.liveVisitors",
}


def reaches_session(type_name: str, seen: set[str]) -> bool:
    if type_name == "Session":
        return True
    if type_name in seen or type_name not in SCHEMA._schema.type_map:
        return False
    seen.add(type_name)
    graphql_type = SCHEMA._schema.type_map[type_name]
    return any(reaches_session(get_named_type(f.type).name, seen) for f in getattr(graphql_type, "fields", {}).values()
               if hasattr(graphql_type, "interfaces"))


def test_every_path_to_a_conversation_has_a_division_check():
    paths = set()
    for graphql_type in object_types():
        if graphql_type.name in ("Query", "Mutation", "Subscription"):
            for _, _, name, field in fields_of(graphql_type):
                named = get_named_type(field.type).name
                if reaches_session(named, set()) or field.args.get("sessionId") or named == "JSON":
                    paths.add(f"{graphql_type.name}.{name}")
    assert paths - DIVISION_CHECKED == set(), "add a division check for these paths"


async def conversations(service) -> tuple[dict[str, str], dict[str, str]]:
    ids = await visit(service, cookie_id="divisions")
    sessions = {}
    for division in ("sales", "support"):
        data = await service.data(RECORD, {"input": {
            "conversationId": f"conv-{division}", "customerId": ids["c"], "channel": "CALL",
            "direction": "INBOUND", "divisionId": division, "agent": f"{division} agent",
            "startedAt": service.clock.now().isoformat()}})
        sessions[division] = data["recordConversation"]["id"]
    return ids, sessions


async def test_export_leaves_out_conversations_of_other_divisions(secured):
    ids, sessions = await conversations(secured)
    query = "query($c: ID!) { exportCustomer(id: $c) }"
    sales = token([perm.CUSTOMER_EXPORT], ["sales"])
    exported = (await secured.data(query, ids, token=sales))["exportCustomer"]
    assert {s["_id"] for s in exported["sessions"]} == {ids["s"], sessions["sales"]}
    assert {e["sessionId"] for e in exported["events"]} == {ids["s"], sessions["sales"]}
    everything = (await secured.data(query, ids, token=token([perm.CUSTOMER_EXPORT], ["*"])))["exportCustomer"]
    assert {s["_id"] for s in everything["sessions"]} == {ids["s"], *sessions.values()}


async def test_record_conversation_cannot_take_over_another_divisions_conversation(secured):
    ids, sessions = await conversations(secured)
    sales = token([perm.CONVERSATION_ADD, *perm.VIEW], ["sales"])
    take_over = {"conversationId": "conv-support", "customerId": ids["c"], "channel": "CALL",
                 "direction": "INBOUND", "divisionId": "sales", "agent": "intruder",
                 "startedAt": secured.clock.now().isoformat(), "endedAt": secured.clock.now().isoformat()}
    answer = await secured.graphql(RECORD, {"input": take_over}, token=sales)
    assert answer["errors"][0]["message"] == "conversationId: belongs to a division you do not hold"
    into_support = await secured.graphql(RECORD, {"input": {**take_over, "divisionId": "support"}}, token=sales)
    assert into_support["errors"][0]["message"] == "divisionId: is not a division you hold"
    card = await secured.data("query($s: ID!) { session(id: $s) { divisionId status conversation { agent } "
                              "journey { nodes { name } } } }", {"s": sessions["support"]})
    assert card["session"] == {"divisionId": "support", "status": "ACTIVE", "conversation": {"agent": "support agent"},
                               "journey": {"nodes": [{"name": "started"}]}}
    own = await secured.data(RECORD, {"input": {**take_over, "conversationId": "conv-sales"}}, token=sales)
    assert own["recordConversation"]["conversation"] == {"agent": "intruder"}  # its own division: allowed


async def test_customer_results_and_pushes_keep_to_the_callers_divisions(secured):
    ids, sessions = await conversations(secured)
    sales = token([*perm.VIEW, perm.CUSTOMER_EDIT, perm.EVENT_ADD], ["sales"])
    cards = "{ id sessions { nodes { id } } }"
    seen = {ids["s"], sessions["sales"]}
    by_identity = await secured.data(f'{{ customerByIdentity(type: COOKIE, value: "divisions") {cards} }}',
                                     token=sales)
    assert {n["id"] for n in by_identity["customerByIdentity"]["sessions"]["nodes"]} == seen
    identified = await secured.data('mutation($c: ID!) { identifyCustomer(input: {customerId: $c, externalId: "d-1"})'
                                    f' {cards} }}', ids, token=sales)
    assert {n["id"] for n in identified["identifyCustomer"]["sessions"]["nodes"]} == seen
    other = await visit(secured, cookie_id="other")
    merged = await secured.data(f"mutation($s: ID!, $t: ID!) {{ mergeCustomers(sourceId: $s, targetId: $t) {cards} }}",
                                {"s": other["c"], "t": ids["c"]}, token=sales)
    assert {n["id"] for n in merged["mergeCustomers"]["sessions"]["nodes"]} == seen | {other["s"]}
    split = await secured.data("mutation($c: ID!) { splitCustomer(customerId: $c) { id } }", {"c": other["c"]},
                               token=sales)
    assert split["splitCustomer"]["id"] == other["c"]
    engaged = await secured.graphql('mutation($s: ID!) { recordEngagement(input: {sessionId: $s, engagementId: "x", '
                                    'mediaType: "webchat", state: "qualified"}) { id } }', {"s": sessions["support"]},
                                    token=sales)
    assert engaged["errors"][0]["message"] == "sessionId: no such web session"
    async with secured.socket(token=sales) as socket:
        op = await socket.subscribe("subscription($s: ID!) { outcomeProgress(sessionId: $s) { probability } }",
                                    {"s": sessions["support"]})
        message = await socket.message(op)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["message"] == "sessionId: no such session"
