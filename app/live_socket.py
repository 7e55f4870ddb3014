"""The sending side of one live WebSocket: pre-serialised frames, a bounded outbox, and
the 4499 close for a subscriber that cannot keep up.

Under uvicorn's sans-I/O WebSocket protocol a frame is written straight to the transport,
as `websockets.broadcast` does: no coroutine per frame, and a socket whose transport is
full never holds up the others. Frames wait in the outbox only while the transport is
paused; when the outbox is full the socket is closed. Any other ASGI server gets the same
outbox drained through the ordinary ASGI send.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from live.hub import LAGGED_CLOSE_CODE, LAGGED_CLOSE_REASON

if TYPE_CHECKING:
    from websockets.server import ServerProtocol

log = logging.getLogger(__name__)

ABORT_AFTER_CLOSE_SECONDS = 10.0
"""A peer that reads nothing never takes our close frame; its buffers go after this."""
_PROTOCOL_KEY = "journey.ws_protocol"
_PROTOCOL_ATTRIBUTES = ("conn", "transport", "writable", "close_sent", "queue", "read_paused", "close_timer")
"""What this module uses of uvicorn's protocol; without any of them, the ASGI path serves."""


class _SansIOSocket(Protocol):
    """The part of uvicorn's sans-I/O WebSocket protocol named in _PROTOCOL_ATTRIBUTES."""

    conn: ServerProtocol
    transport: asyncio.Transport
    writable: asyncio.Event
    close_sent: bool
    queue: asyncio.Queue[Any]
    read_paused: bool
    close_timer: asyncio.TimerHandle | None


class DirectWriteMiddleware:
    """Hands the server's WebSocket protocol object to the live socket when it is
    uvicorn's sans-I/O one (the ASGI send of the outermost layer is its bound method)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            protocol = getattr(send, "__self__", None)
            if all(hasattr(protocol, name) for name in _PROTOCOL_ATTRIBUTES):
                scope[_PROTOCOL_KEY] = protocol
        await self.app(scope, receive, send)


class LiveSocket:
    """Sends text frames (UTF-8 bytes) in order; closes the socket with 4499 once `capacity` frames wait."""

    __slots__ = ("_asgi_send", "_backlog", "_capacity", "_closer", "_drainer", "_protocol", "closed", "on_lagged")

    def __init__(self, scope: Scope, asgi_send: Callable[[dict[str, Any]], Awaitable[None]], capacity: int) -> None:
        self._protocol: _SansIOSocket | None = scope.get(_PROTOCOL_KEY)
        self._asgi_send = asgi_send
        self._capacity = capacity
        self._backlog: deque[bytes] | None = None
        self._drainer: asyncio.Task | None = None
        self._closer: asyncio.Task | None = None
        """Holds the ASGI close while it runs: the loop keeps only a weak reference to a task."""
        self.closed = False
        self.on_lagged: Callable[[], None] | None = None
        """Called once when the socket is closed for lagging (metrics)."""

    @property
    def waiting(self) -> int:
        return len(self._backlog) if self._backlog else 0

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        protocol = self._protocol
        if protocol is not None and not self._backlog:
            if protocol.close_sent or protocol.transport.is_closing():
                self.closed = True
                return
            if protocol.writable.is_set():
                protocol.conn.send_text(frame)
                protocol.transport.write(b"".join(protocol.conn.data_to_send()))
                return
        if self._backlog is None:
            self._backlog = deque()
        if len(self._backlog) >= self._capacity:
            self.close_lagged()
            return
        self._backlog.append(frame)
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain(), name="live-socket-drain")

    async def _drain(self) -> None:
        try:
            while self._backlog and not self.closed:
                if self._protocol is not None:
                    await self._protocol.writable.wait()
                    if self.closed or self._protocol.close_sent or self._protocol.transport.is_closing():
                        self.closed = True
                        return
                    conn = self._protocol.conn
                    while self._backlog and self._protocol.writable.is_set():
                        conn.send_text(self._backlog.popleft())
                        self._protocol.transport.write(b"".join(conn.data_to_send()))
                else:
                    await self._asgi_send({"type": "websocket.send", "text": self._backlog.popleft().decode()})
        except Exception:
            self.closed = True  # the peer went away; the connection's reader cleans up
        finally:
            self._drainer = None

    def close_lagged(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._backlog = None
        if self.on_lagged is not None:
            self.on_lagged()
        if self._protocol is not None:
            self._close_directly(self._protocol, LAGGED_CLOSE_CODE, LAGGED_CLOSE_REASON)
        else:
            self._closer = asyncio.create_task(self._close_through_asgi(LAGGED_CLOSE_CODE, LAGGED_CLOSE_REASON))

    @staticmethod
    def _close_directly(protocol: _SansIOSocket, code: int, reason: str) -> None:
        """What uvicorn does for an ASGI close, without waiting for a transport that the
        peer may never drain; the close frame queues behind the frames already written."""
        if protocol.close_sent or protocol.transport.is_closing():
            return
        protocol.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        protocol.conn.send_close(code, reason)
        protocol.transport.write(b"".join(protocol.conn.data_to_send()))
        protocol.close_sent = True
        if protocol.read_paused:
            protocol.read_paused = False
            protocol.transport.resume_reading()
        transport = protocol.transport
        protocol.close_timer = asyncio.get_running_loop().call_later(
            ABORT_AFTER_CLOSE_SECONDS, transport.abort
        )

    async def _close_through_asgi(self, code: int, reason: str) -> None:
        with suppress(Exception):
            await self._asgi_send({"type": "websocket.close", "code": code, "reason": reason})

    def cancel(self) -> None:
        self.closed = True
        self._backlog = None
        if self._drainer is not None:
            self._drainer.cancel()
