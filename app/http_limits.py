"""Limits at the socket layer, before a request reaches the app: header size, the time a
client may take to send its headers and its body, and open connections per address.

uvicorn's h11 protocol with timers of our own: a client that trickles bytes (one every few
seconds) would otherwise hold a connection and its buffers for ever."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import h11
import uvicorn
from uvicorn.middleware.proxy_headers import _TrustedHosts
from uvicorn.protocols.http.h11_impl import H11Protocol

from core.settings import Settings

_FINISHED = "finished"
"""The phase once the connection is upgraded or closed: no timer of ours any more."""


class LimitedH11Protocol(H11Protocol):
    max_header_bytes: int = 16 * 1024
    header_read_seconds: float = 10.0
    body_read_seconds: float = 30.0
    max_connections_per_client: int = 100
    proxies: _TrustedHosts = _TrustedHosts([])
    open_per_client: Counter[str]

    # The override narrows BaseTransport to Transport, as uvicorn's own connection_made does.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._phase: Any = None
        self._header_bytes = 0
        self._counted: str | None = None
        host = self.client[0] if self.client else None
        # Behind a trusted proxy every client shares the proxy's address.
        if host is not None and host not in self.proxies:
            if self.open_per_client[host] >= self.max_connections_per_client:
                transport.close()
                return
            self.open_per_client[host] += 1
            self._counted = host
        self._follow_phase()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            # h11's own limit only counts what is buffered between reads; one large read
            # of a whole request would pass it.
            end = data.find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else end + 4
            if self._header_bytes > self.max_header_bytes:
                self._refuse(431, "Request Header Fields Too Large",
                             f"request line and headers over {self.max_header_bytes} bytes")
                return
        super().data_received(data)
        self._follow_phase()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_phase()

    def connection_lost(self, exc: Exception | None) -> None:
        self._release()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        # The WebSocket protocol takes the connection over; its own limits apply from here.
        self._release()
        super().handle_websocket_upgrade(event)

    def _follow_phase(self) -> None:
        """One timer per phase: from the first moment headers are awaited until they are
        all in, then until the whole body is in."""
        if self._phase == _FINISHED:
            # h11 still sees the upgrade request's body as unread: a timer set now would
            # cut the live socket once it ran out.
            return
        state = self.conn.their_state
        responding = state is h11.IDLE and self.cycle is not None and not self.cycle.response_complete
        phase = None if responding else state  # while a response is under way, the next request has not started
        if phase is self._phase:
            return
        self._cancel_deadline()
        self._phase = phase
        self._header_bytes = 0
        if phase is h11.IDLE:
            self._deadline = self.loop.call_later(self.header_read_seconds, self._too_slow)
        elif phase is h11.SEND_BODY:
            self._deadline = self.loop.call_later(self.body_read_seconds, self._too_slow)

    def _refuse(self, status: int, phrase: str, message: str) -> None:
        body = message.encode()
        self.transport.write(
            f"HTTP/1.1 {status} {phrase}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body
        )
        self._release()
        self.transport.close()

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _release(self) -> None:
        self._cancel_deadline()
        self._phase = _FINISHED
        if self._counted is not None:
            self.open_per_client[self._counted] -= 1
            if not self.open_per_client[self._counted]:
                del self.open_per_client[self._counted]
            self._counted = None


def limited_protocol(settings: Settings) -> type[LimitedH11Protocol]:
    """A protocol class carrying these settings, with a connection count of its own."""
    return type(
        "LimitedH11Protocol",
        (LimitedH11Protocol,),
        {
            "max_header_bytes": settings.max_header_bytes,
            "header_read_seconds": settings.header_read_seconds,
            "body_read_seconds": settings.body_read_seconds,
            "max_connections_per_client": settings.max_connections_per_client,
            "proxies": _TrustedHosts(list(settings.trusted_proxies)),
            "open_per_client": Counter(),
        },
    )


def server_config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration `journey serve` runs with (tests use it too)."""
    return uvicorn.Config(
        app,
        http=limited_protocol(settings),
        h11_max_incomplete_event_size=settings.max_header_bytes,
        ws="websockets-sansio",
        ws_max_size=settings.max_ws_message_bytes,
        ws_per_message_deflate=False,  # a compressor per live socket costs more memory than it saves
        proxy_headers=False,  # the app honours JOURNEY_TRUSTED_PROXIES instead
        **options,
    )
