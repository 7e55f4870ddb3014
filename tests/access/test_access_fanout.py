"""Shared executions of live pushes keep each subscriber to its own permissions and divisions."""

from __future__ import annotations

import json
import time

import jwt

from access import permissions as perm
from live import topics
from tests.access.conftest import JWT_SECRET
from tests.access.test_access_divisions import RECORD

VIEW = sorted(perm.VIEW)
CARDS = "subscription($c: ID!) { sessionCards(customerId: $c) { kind session { id divisionId customer { id } } } }"


def agent(name: str, permissions, divisions) -> str:
    return jwt.encode({"sub": name, "permissions": list(permissions), "divisions": list(divisions),
                       "exp": int(time.time()) + 3600}, JWT_SECRET, algorithm="HS256")


async def record(service, customer: str, division: str) -> None:
    await service.data(RECORD, {"input": {
        "conversationId": f"c-{division}", "customerId": customer, "channel": "EMAIL",
        "direction": "OUTBOUND", "divisionId": division, "startedAt": service.clock.now().isoformat()}})


async def test_mixed_principals_on_one_operation_each_see_only_their_own(secured):
    body = await secured.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
    customer = body["customerIds"][0]
    tokens = {
        "sales-1": agent("ann", VIEW, ["sales"]),
        "sales-2": agent("bob", VIEW, ["sales"]),  # another agent, same reach: shares the execution
        "support": agent("cat", VIEW, ["support"]),
        "web-only": agent("dan", VIEW, []),
        "no-customers": agent("eve", sorted(perm.VIEW - {perm.CUSTOMER_VIEW}), ["sales"]),
    }
    sockets = {name: secured.socket(token=value) for name, value in tokens.items()}
    for socket in sockets.values():
        await socket.open()
    try:
        ops = {name: await socket.subscribe(CARDS, {"c": customer}) for name, socket in sockets.items()}
        await secured.until_listening(topics.cards(customer), 4)
        assert (await secured.http.get("/healthz")).json()["liveSubscribers"] == 5
        assert secured.services.hub.topic_subscriptions == 4  # the two sales agents share one

        await record(secured, customer, "sales")
        for name in ("sales-1", "sales-2"):
            pushed = (await sockets[name].next(ops[name]))["sessionCards"]
            assert pushed["session"]["divisionId"] == "sales"
            assert pushed["session"]["customer"] == {"id": customer}
        hidden = await sockets["no-customers"].message(ops["no-customers"])
        assert hidden["payload"]["errors"][0]["extensions"]["permission"] == perm.CUSTOMER_VIEW
        assert customer not in json.dumps(hidden["payload"].get("data"))

        await record(secured, customer, "support")
        pushed = (await sockets["support"].next(ops["support"]))["sessionCards"]
        assert pushed["session"]["divisionId"] == "support"
        for name in ("sales-1", "sales-2", "web-only"):
            await sockets[name].nothing(ops[name], wait=0.1)
        # The same subscriptions still receive what each may see: the visit on the web goes on.
        await secured.collect([{"id": "2", "type": "pageview", "page": {"url": "https://shop.example/more"}}])
        for name in ("sales-1", "sales-2", "support", "web-only"):
            pushed = (await sockets[name].next(ops[name]))["sessionCards"]
            assert (pushed["kind"], pushed["session"]["id"]) == ("UPDATED", body["sessionIds"][0])
    finally:
        for socket in sockets.values():
            await socket.close()
