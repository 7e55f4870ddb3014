"""Each protected field answers only to its permission, over HTTP and WebSocket, and
never leaks through another path."""

from __future__ import annotations

import pytest

from access import permissions as perm
from live import topics
from tests.access.conftest import all_but, token

PAGE = {"url": "https://shop.example/"}


async def seed(service) -> dict:
    body = await service.collect([{"id": "1", "type": "pageview", "page": PAGE}], cookie_id="perm")
    return {"customer": body["customerIds"][0], "session": body["sessionIds"][0]}


# (case, query, permission, path of the field that must be refused)
HTTP_CASES = [
    ("customer", "query($c: ID!) { customer(id: $c) { id } }", perm.CUSTOMER_VIEW, ["customer"]),
    ("customerByIdentity", '{ customerByIdentity(type: COOKIE, value: "perm") { id } }', perm.CUSTOMER_VIEW,
     ["customerByIdentity"]),
    ("session", "query($s: ID!) { session(id: $s) { id } }", perm.SESSION_VIEW, ["session"]),
    ("sessions", "query($s: ID!) { sessions(ids: [$s]) { id } }", perm.SESSION_VIEW, ["sessions"]),
    ("liveVisitors", "{ liveVisitors { nodes { id } } }", perm.VISIT_VIEW, ["liveVisitors"]),
    ("Session.customer", "query($s: ID!) { session(id: $s) { customer { id } } }", perm.CUSTOMER_VIEW,
     ["session", "customer"]),
    ("Session.journey", "query($s: ID!) { session(id: $s) { journey { nodes { id } } } }", perm.EVENT_VIEW,
     ["session", "journey"]),
    ("liveVisitors.customer", "{ liveVisitors { nodes { customer { traits } } } }", perm.CUSTOMER_VIEW,
     ["liveVisitors", "nodes", 0, "customer"]),
    ("Customer.sessions", "query($c: ID!) { customer(id: $c) { sessions { nodes { id } } } }", perm.SESSION_VIEW,
     ["customer", "sessions"]),
    ("Summary.currentSession", "query($c: ID!) { customer(id: $c) { summary { currentSession { id } } } }",
     perm.SESSION_VIEW, ["customer", "summary", "currentSession"]),
    ("trackEvents", 'mutation { trackEvents(deploymentId: "default", events: [{id: "m1", type: SEARCH, '
     'cookieId: "perm", query: "x"}]) { accepted } }', perm.EVENT_ADD, ["trackEvents"]),
    ("createApiKey", 'mutation { createApiKey(input: {name: "k", permissions: ["journey:event:view"]}) { token } }',
     perm.APIKEY_EDIT, ["createApiKey"]),
    ("saveDeployment", 'mutation { saveDeployment(input: {id: "d", allowedOrigins: ["*"]}) { id } }',
     perm.DEPLOYMENT_EDIT, ["saveDeployment"]),
    ("recordConversation", 'mutation($c: ID!) { recordConversation(input: {conversationId: "x", customerId: $c, '
     'channel: CALL, direction: INBOUND, divisionId: "d1", startedAt: "2026-01-01T00:00:00Z"}) { id } }',
     perm.CONVERSATION_ADD, ["recordConversation"]),
]


@pytest.mark.parametrize(("case", "query", "permission", "path"), HTTP_CASES, ids=[c[0] for c in HTTP_CASES])
async def test_http_field_needs_its_permission(secured, case, query, permission, path):
    ids = await seed(secured)
    variables = {"c": ids["customer"], "s": ids["session"]}
    allowed = await secured.graphql(query, variables, token=token(perm.ALL, ["*"]))
    assert "errors" not in allowed, allowed
    refused = await secured.graphql(query, variables, token=token(all_but(permission), ["*"]))
    error = refused["errors"][0]
    assert error["path"] == path
    assert error["message"] == f"Forbidden: this field requires the '{permission}' permission"
    assert error["extensions"] == {"code": "FORBIDDEN", "permission": permission}


SUBSCRIPTIONS = [
    ("journeyMap", "subscription($s: ID!) { journeyMap(sessionId: $s) { kind } }", perm.EVENT_VIEW),
    ("sessionCards", "subscription($c: ID!) { sessionCards(customerId: $c) { kind } }", perm.SESSION_VIEW),
    ("liveVisitors", "subscription { liveVisitors { kind } }", perm.VISIT_VIEW),
    ("sessionCards.customer", "subscription($c: ID!) { sessionCards(customerId: $c) { session { customer { id } } } }",
     perm.CUSTOMER_VIEW),
    ("liveVisitors.journey", "subscription { liveVisitors { session { journey { nodes { id } } } } }",
     perm.EVENT_VIEW),
]


@pytest.mark.parametrize(("case", "query", "permission"), SUBSCRIPTIONS, ids=[c[0] for c in SUBSCRIPTIONS])
async def test_subscription_needs_its_permission(secured, case, query, permission):
    ids = await seed(secured)
    variables = {"c": ids["customer"], "s": ids["session"]}
    async with secured.socket(token=token(perm.ALL, ["*"])) as allowed, \
            secured.socket(token=token(all_but(permission), ["*"])) as refused:
        ok = await allowed.subscribe(query, variables)
        denied = await refused.subscribe(query, variables)
        topic = {"journeyMap": topics.journey(ids["session"]), "sessionCards": topics.cards(ids["customer"]),
                 "liveVisitors": topics.LIVE_VISITORS}[case.split(".")[0]]
        # A refused nested field still listens and answers each push with its error; a refused root field does not.
        await secured.until_listening(topic, 2 if "." in case else 1)
        await secured.collect([{"id": "2", "type": "pageview", "page": PAGE}], cookie_id="perm")
        assert "errors" not in (await allowed.message(ok))["payload"]
        message = await refused.message(denied)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["message"] == f"Forbidden: this field requires the '{permission}' permission"


async def test_no_permission_sees_nothing_but_errors(secured):
    ids = await seed(secured)
    answer = await secured.graphql(
        "query($c: ID!, $s: ID!) { customer(id: $c) { id } session(id: $s) { id } liveVisitors { nodes { id } } }",
        {"c": ids["customer"], "s": ids["session"]},
        token=token([], []),
    )
    assert answer["data"] is None or all(value is None for value in answer["data"].values())
    assert {e["path"][0] for e in answer["errors"]} == {"customer", "session", "liveVisitors"}
