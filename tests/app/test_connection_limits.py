"""Limits at the socket: slow headers and bodies, connections per address, and WebSocket
messages before and after connection_init. Real sockets: these limits live there."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support.graphql_ws import PROTOCOL

INIT = {"type": "connection_init", "payload": {"authorization": "Bearer test-admin-token"}}


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """What the server sent before closing; fails if it keeps the connection open."""
    return await asyncio.wait_for(reader.read(), seconds)


@pytest.mark.slow  # real time passes
async def test_headers_sent_too_slowly_lose_the_connection(start):
    service = await start(header_read_seconds=0.5, listen=True)
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    for _ in range(2):
        await asyncio.sleep(0.2)
        writer.write(b"X-Slow: 1\r\n")
    assert await _closed_within(reader, 3) == b""
    writer.close()
    # A client that sends its request in time is answered on the same server.
    assert (await service.http.get("/healthz")).status_code == 200


@pytest.mark.slow  # real time passes
async def test_a_body_sent_too_slowly_loses_the_connection(start):
    service = await start(body_read_seconds=0.5, listen=True)
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(
        b"POST /collect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    await asyncio.sleep(0.3)
    writer.write(b'"deploymentId"')
    answer = await _closed_within(reader, 3)
    assert b" 200 " not in answer
    writer.close()


@pytest.mark.slow  # real time passes
async def test_a_live_socket_outlasts_the_http_read_limits(start):
    """The request that opened a WebSocket has no body left to read: the HTTP timers
    must not cut the live socket once they run out."""
    service = await start(header_read_seconds=0.5, body_read_seconds=0.5, listen=True)
    async with connect(service.ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps(INIT))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await asyncio.sleep(1.5)
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "pong"


async def test_connections_per_address_are_limited(start):
    service = await start(max_connections_per_client=3, listen=True)
    held = [await asyncio.open_connection("127.0.0.1", service.port) for _ in range(3)]
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    assert await _closed_within(reader, 3) == b"", "the fourth connection is closed at once"
    writer.close()
    for _, held_writer in held:
        held_writer.close()
    await asyncio.sleep(0.2)
    assert (await service.http.get("/healthz")).status_code == 200, "closed connections no longer count"


async def test_a_large_message_before_connection_init_is_refused(start):
    service = await start(max_ws_init_bytes=2048, listen=True)
    async with connect(service.ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({**INIT, "payload": {**INIT["payload"], "pad": "x" * 10_000}}))
        await ws.wait_closed()
    assert ws.close_code == 4413
    async with connect(service.ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps(INIT))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        # After the acknowledgment the general message limit applies instead.
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { liveVisitors { kind } }", "variables": {"pad": "x" * 10_000}}}))
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv())["type"] == "pong"


async def test_a_message_over_the_websocket_limit_closes_the_socket_unread(start):
    service = await start(max_ws_message_bytes=64 * 1024, listen=True)
    async with connect(service.ws_url, subprotocols=[PROTOCOL], max_size=None) as ws:
        await ws.send(json.dumps(INIT))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        try:
            await ws.send(json.dumps({"type": "ping", "pad": "x" * 200_000}))
            await ws.recv()
        except ConnectionClosed:
            pass
        await ws.wait_closed()
    assert ws.close_code == 1009  # message too big


async def test_websockets_per_address_are_limited(start):
    service = await start(max_connections_per_client=2, listen=True)
    async with service.socket(), service.socket():
        third = await connect(service.ws_url, subprotocols=[PROTOCOL])
        await third.wait_closed()
    assert third.close_code == 4429
    async with service.socket():
        pass  # closed sockets no longer count
