"""Hostile or odd input gets a clear error naming the field, never a 500 or a crashed
connection, and leaves nothing half-written."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from websockets.asyncio.client import connect

from tests.access.conftest import JWT_SECRET
from tests.support.graphql_ws import PROTOCOL


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1" * 30, "is an integer too large to store (beyond 64 bits)"),
        ("-" + "9" * 25, "is an integer too large to store (beyond 64 bits)"),
        ("Infinity", "must be a finite number"),
        ("-Infinity", "must be a finite number"),
    ],
)
async def test_unstorable_numbers_in_attributes_are_rejected_and_nothing_is_stored(service, raw, reason):
    body = ('{"deploymentId": "default", "cookieId": "c-num", "events": [{"id": "1", "type": "custom", '
            '"name": "add_to_cart", "attributes": {"qty": ' + raw + '}}]}')
    response = await service.http.post("/collect", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 200, response.text
    [event] = response.json()["events"]
    assert event["status"] == "rejected"
    assert event["reason"] == f"events[0].attributes.qty: {reason}"
    db = service.services.db
    assert await db.customers.count_documents({}) == 0
    assert await db.identities.count_documents({}) == 0
    assert await db.events.count_documents({}) == 0


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        [{"$ne": None}, {"$ne": None}],
        [{"$where": "sleep(1000)"}, "x"],
        [{"$regex": ".*"}, "x"],
        [["nested"], "x"],
    ],
    ids=["ne", "where", "regex", "list"],
)
async def test_a_cursor_carrying_operators_is_a_client_error(service, values):
    first = await service.collect([{"id": "1", "type": "search", "query": "x"}])
    second = await service.collect([{"id": "1", "type": "search", "query": "y"}], cookie_id="c-2")
    query = 'query($id: ID!, $after: String) { customer(id: $id) { sessions(after: $after) { nodes { id } } } }'
    answer = await service.graphql(query, {"id": first["customerIds"][0], "after": _cursor(values)})
    assert answer["errors"][0]["message"] == "after: is not a valid cursor"
    # A cursor made by the service itself still pages.
    page = await service.data(
        'query($id: ID!) { customer(id: $id) { sessions(first: 1) { nodes { id } pageInfo { endCursor } } } }',
        {"id": second["customerIds"][0]},
    )
    cursor = page["customer"]["sessions"]["pageInfo"]["endCursor"]
    after = await service.data(query, {"id": second["customerIds"][0], "after": cursor})
    assert after["customer"]["sessions"]["nodes"] == []


async def test_an_import_with_an_oversized_csv_field_is_a_clear_400(service):
    big, at = "x" * 200_000, service.clock.now().isoformat()
    csv_text = f'cookieId,type,id,occurredAt,query\nc-1,search,e-1,{at},hello\nc-1,search,e-2,{at},"{big}"\n'
    response = await service.http.post(
        "/import?format=csv", content=csv_text.encode(), headers={"Authorization": "Bearer test-admin-token"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "body: after line 2: a field is longer than 131072 characters"}
    assert await service.services.db.events.count_documents({}) == 0


async def test_a_subscribe_with_a_numeric_id_closes_with_a_protocol_error(service):
    await service.listen()
    async with connect(service.ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer test-admin-token"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": 1, "type": "subscribe",
                                  "payload": {"query": "subscription { liveVisitors { kind } }"}}))
        await ws.wait_closed()
    assert ws.close_code == 4400
    assert "'id' must be a string" in ws.close_reason


async def test_a_jwt_whose_expiry_is_a_string_is_refused(start):
    service = await start(jwt_secret=JWT_SECRET)
    claims = {"sub": "a", "permissions": ["journey:visit:view"], "exp": str(int(time.time()) + 3600)}
    forged = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    response = await service.http.post(
        "/graphql", json={"query": "{ liveVisitors { nodes { id } } }"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    claims["exp"] = int(claims["exp"])
    valid = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    response = await service.http.post(
        "/graphql", json={"query": "{ liveVisitors { nodes { id } } }"}, headers={"Authorization": f"Bearer {valid}"}
    )
    assert response.status_code == 200
