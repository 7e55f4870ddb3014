"""Who gets in: bearer tokens over HTTP, connection_init over WebSocket."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.asyncio.client import connect

from access import permissions as perm
from tests.access.conftest import JWT_SECRET, token

QUERY = "{ liveVisitors { nodes { id } } }"


async def post(service, headers: dict) -> tuple[int, dict]:
    response = await service.http.post("/graphql", json={"query": QUERY}, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": f"Bearer {token([perm.VISIT_VIEW], expires_in=-10)}"},
        {"Authorization": f"Bearer {token([perm.VISIT_VIEW], secret='another-secret-of-sufficient-length-000')}"},
        {"Authorization": "Bearer jg_0000_notakey"},
    ],
    ids=["missing", "unknown", "basic", "expired-jwt", "forged-jwt", "unknown-api-key"],
)
async def test_http_without_valid_credentials_is_401(secured, headers):
    status, body = await post(secured, headers)
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphiql_page_loads_without_credentials(secured):
    response = await secured.http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_jwt_claims_grant_permissions(secured):
    status, body = await post(secured, {"Authorization": f"Bearer {token([perm.VISIT_VIEW])}"})
    assert status == 200 and body == {"data": {"liveVisitors": {"nodes": []}}}


async def test_jwt_without_expiry_is_refused(secured):
    unexpiring = jwt.encode({"permissions": [perm.VISIT_VIEW]}, JWT_SECRET, algorithm="HS256")
    status, _ = await post(secured, {"Authorization": f"Bearer {unexpiring}"})
    assert status == 401


async def test_rs256_jwt_verified_with_the_public_key(start):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    service = await start(jwt_public_key=public_pem)
    signed = jwt.encode({"permissions": [perm.VISIT_VIEW], "exp": int(time.time()) + 60}, private, algorithm="RS256")
    assert (await post(service, {"Authorization": f"Bearer {signed}"}))[0] == 200
    hs = token([perm.VISIT_VIEW])
    assert (await post(service, {"Authorization": f"Bearer {hs}"}))[0] == 401


async def test_api_key_created_by_mutation_works_until_revoked(service):
    created = await service.data(
        'mutation { createApiKey(input: {name: "console", permissions: ["journey:visit:view"]}) '
        "{ token key { prefix name permissions divisions } } }"
    )
    key = created["createApiKey"]
    assert key["key"]["permissions"] == ["journey:visit:view"]
    assert key["token"].startswith(f"jg_{key['key']['prefix']}_")
    assert (await post(service, {"Authorization": f"Bearer {key['token']}"}))[0] == 200
    revoked = await service.data("mutation($p: String!) { revokeApiKey(prefix: $p) }", {"p": key["key"]["prefix"]})
    assert revoked == {"revokeApiKey": True}
    service.services.authenticator._keys.clear()
    assert (await post(service, {"Authorization": f"Bearer {key['token']}"}))[0] == 401


async def test_api_key_with_unknown_permission_is_refused_by_name(service):
    answer = await service.graphql('mutation { createApiKey(input: {name: "k", permissions: ["root"]}) { token } }')
    assert answer["errors"][0]["message"] == "permissions: unknown permission 'root'"


@pytest.mark.slow
async def test_api_key_created_on_the_command_line_is_shown_once_and_works(service):
    settings = service.settings
    # In a thread: the service answers on this loop while the command runs.
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", "keys", "create", "--name", "ops", "--permission", perm.VISIT_VIEW],
        env={"JOURNEY_MONGODB_URI": settings.mongodb_uri, "JOURNEY_DATABASE": settings.database,
             "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=True,
    )
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("jg_")
    assert (await post(service, {"Authorization": f"Bearer {secret}"}))[0] == 200
    stored = await service.services.db.api_keys.find_one({"name": "ops"})
    raw_secret = secret.split("_", 2)[2]
    assert raw_secret not in str(stored)
    assert stored["secretHash"] == hashlib.sha256(raw_secret.encode()).hexdigest()


async def ws_close(service, payload) -> tuple[int, str]:
    await service.listen()
    async with connect(service.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        import json

        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        await ws.wait_closed()
        return ws.close_code, ws.close_reason


@pytest.mark.parametrize(
    "payload",
    [{}, {"authorization": "Bearer wrong"}, {"authorization": 42}],
    ids=["missing", "invalid", "not-a-string"],
)
async def test_websocket_without_valid_credentials_is_closed_4403(secured, payload):
    code, reason = await ws_close(secured, payload)
    assert (code, reason) == (4403, "Forbidden")


async def test_websocket_with_a_jwt_is_acknowledged(secured):
    socket = secured.socket(token=token([perm.VISIT_VIEW]))
    await socket.open()
    await socket.close()


async def test_only_graphql_transport_ws_is_spoken(secured):
    await secured.listen()
    async with connect(secured.ws_url, subprotocols=["graphql-ws"]) as ws:
        await ws.wait_closed()
        assert (ws.close_code, ws.close_reason) == (4406, "Subprotocol not acceptable")
