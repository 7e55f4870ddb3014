"""A small graphql-transport-ws client over a real WebSocket."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")


class GraphQLSocket:
    def __init__(self, url: str | Callable[[], Awaitable[str]], *, token: str | None) -> None:
        """url: the address, or a coroutine function that answers it when the socket opens."""
        self._url = url
        self._token = token
        self._ids = itertools.count(1)
        self._queues: dict[str, asyncio.Queue] = defaultdict(asyncio.Queue)
        self._reader: asyncio.Task | None = None
        self.connection: ClientConnection | None = None
        self.closed = asyncio.Event()

    async def __aenter__(self) -> GraphQLSocket:
        await self.open()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def open(self, payload: dict[str, Any] | None = None, *, expect_ack: bool = True) -> None:
        url = self._url if isinstance(self._url, str) else await self._url()
        self.connection = await connect(url, subprotocols=[PROTOCOL])
        init = payload if payload is not None else (
            {"authorization": f"Bearer {self._token}"} if self._token else {}
        )
        await self.connection.send(json.dumps({"type": "connection_init", "payload": init}))
        if expect_ack:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), 10))
            assert message["type"] == "connection_ack", message
            self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.connection is not None
        try:
            async for raw in self.connection:
                message = json.loads(raw)
                if "id" in message:
                    await self._queues[message["id"]].put(message)
                elif message["type"] == "pong":
                    await self._queues["pong"].put(message)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        assert self.connection is not None
        op_id = str(next(self._ids))
        await self.connection.send(
            json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
        )
        return op_id

    async def ping(self, payload: dict[str, Any] | None = None, timeout: float = 10) -> dict[str, Any]:
        """Send a ping; the pong that answers it."""
        assert self.connection is not None
        await self.connection.send(json.dumps({"type": "ping", **({"payload": payload} if payload else {})}))
        return await asyncio.wait_for(self._queues["pong"].get(), timeout)

    async def message(self, op_id: str, timeout: float = 10) -> dict[str, Any]:
        return await asyncio.wait_for(self._queues[op_id].get(), timeout)

    async def next(self, op_id: str, timeout: float = 10) -> dict[str, Any]:
        """The data of the next `next` message; fails on an error message."""
        message = await self.message(op_id, timeout)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        return message["payload"]["data"]

    async def nothing(self, op_id: str, wait: float = 0.3) -> None:
        """Nothing arrives for op_id within `wait` seconds."""
        await asyncio.sleep(wait)
        assert self._queues[op_id].empty(), self._queues[op_id].get_nowait()

    async def wait_closed(self, timeout: float = 10) -> tuple[int | None, str | None]:
        assert self.connection is not None
        await asyncio.wait_for(self.connection.wait_closed(), timeout)
        return self.connection.close_code, self.connection.close_reason

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self._reader is not None:
            await self._reader
