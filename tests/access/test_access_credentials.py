"""Credentials after the door: keys hand out no more than their creator holds, and open
WebSockets close (4403) once their key is revoked, on any instance, or their JWT expires."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from access import permissions as perm
from live import topics
from tests.access.conftest import JWT_SECRET, token

CREATE = ("mutation($p: [String!]!, $d: [String!]!) { createApiKey(input: {name: \"k\", permissions: $p, "
          "divisions: $d}) { token key { prefix } } }")
LIVE = "subscription { liveVisitors { kind } }"
SEARCH = [{"id": "1", "type": "search", "query": "x"}]


async def test_a_key_editor_cannot_mint_a_key_stronger_than_itself(service):
    editor = (await service.data(CREATE, {"p": [perm.APIKEY_EDIT], "d": []}))["createApiKey"]["token"]
    answer = await service.graphql(CREATE, {"p": sorted(perm.ALL), "d": ["*"]}, token=editor)
    message = answer["errors"][0]["message"]
    assert message.startswith("permissions: '") and "is not held by the caller" in message
    assert await service.services.db.api_keys.count_documents({}) == 1


async def test_a_jwt_can_only_create_keys_within_its_permissions_and_divisions(start):
    service = await start(jwt_secret=JWT_SECRET)
    holder = token([perm.APIKEY_EDIT, perm.VISIT_VIEW], ["sales"])
    answer = await service.graphql(CREATE, {"p": [perm.VISIT_VIEW], "d": ["*"]}, token=holder)
    assert answer["errors"][0]["message"] == (
        "divisions: '*' is not held by the caller; a key can only reach the creator's divisions")
    answer = await service.graphql(CREATE, {"p": [perm.VISIT_VIEW], "d": ["support"]}, token=holder)
    assert answer["errors"][0]["message"].startswith("divisions: 'support' is not held")
    answer = await service.graphql(CREATE, {"p": [perm.CUSTOMER_VIEW], "d": ["sales"]}, token=holder)
    assert answer["errors"][0]["message"].startswith(f"permissions: '{perm.CUSTOMER_VIEW}' is not held")
    data = await service.data(CREATE, {"p": [perm.VISIT_VIEW], "d": ["sales"]}, token=holder)
    assert data["createApiKey"]["token"].startswith("jg_")


async def test_a_key_revoked_on_one_instance_closes_sockets_and_requests_on_another(start):
    database = f"t_{uuid.uuid4().hex[:12]}"
    first = await start(database=database, credential_check_seconds=0.3)
    second = await start(database=database, credential_check_seconds=0.3)
    created = (await first.data(CREATE, {"p": [perm.VISIT_VIEW], "d": []}))["createApiKey"]
    query = {"query": "{ liveVisitors { nodes { id } } }"}
    headers = {"Authorization": f"Bearer {created['token']}"}
    async with second.socket(token=created["token"]) as socket:
        op = await socket.subscribe(LIVE)
        await second.until_listening(topics.LIVE_VISITORS)
        await second.collect(SEARCH)
        assert (await socket.next(op))["liveVisitors"]["kind"] == "CREATED", "works before revocation"
        assert (await second.http.post("/graphql", json=query, headers=headers)).status_code == 200

        await first.data("mutation($p: String!) { revokeApiKey(prefix: $p) }", {"p": created["key"]["prefix"]})
        code, reason = await socket.wait_closed(timeout=3)
    assert code == 4403
    assert "revoked" in reason
    assert (await second.http.post("/graphql", json=query, headers=headers)).status_code == 401


@pytest.mark.slow
async def test_a_socket_closes_when_its_jwt_expires(start):
    service = await start(jwt_secret=JWT_SECRET, credential_check_seconds=0.3)
    async with service.socket(token=token([perm.VISIT_VIEW], expires_in=2)) as socket:
        op = await socket.subscribe(LIVE)
        await service.until_listening(topics.LIVE_VISITORS)
        await service.collect(SEARCH)
        assert (await socket.next(op))["liveVisitors"]["kind"] == "CREATED", "works while valid"
        code, _ = await socket.wait_closed(timeout=6)
    assert code == 4403


@pytest.mark.slow
async def test_a_socket_whose_jwt_expired_cannot_start_another_subscription(start):
    service = await start(jwt_secret=JWT_SECRET, credential_check_seconds=60)
    async with service.socket(token=token([perm.VISIT_VIEW], expires_in=1)) as socket:
        await socket.subscribe(LIVE)
        await asyncio.sleep(2.2)
        await socket.subscribe(LIVE)
        code, reason = await socket.wait_closed(timeout=5)
    assert code == 4403
    assert "expired" in reason
