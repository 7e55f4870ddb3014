"""Limits on /graphql WebSockets that hold before and after authentication: connections
per client, the size of what may arrive before `connection_init` is acknowledged, the shape
of protocol messages, and credentials that expire or are revoked while a socket is open."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from access.tokens import Authenticator
from resolvers.context import Context
from storage.database import STORE_UNREACHABLE

log = logging.getLogger(__name__)

MAX_OPERATION_ID = 128
CLOSE_INVALID = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_LARGE = 4413
CLOSE_TOO_MANY = 4429
CLOSE_TRY_AGAIN_LATER = 1013
"""WebSocket's own code for a server that cannot serve the connection now."""
CREDENTIALS_ENDED = "Forbidden: the credentials expired or were revoked"


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with a check of each message's shape: a malformed message
    closes the socket with 4400 and a reason, never with a crash."""

    async def handle_message(self, message: Any) -> None:
        problem = _message_problem(message)
        if problem:
            await self.websocket.close(code=CLOSE_INVALID, reason=problem)
            return
        # Between two credential checks a socket could otherwise start new operations
        # with a token that has just expired.
        if message["type"] == "subscribe" and self.connection_acknowledged:
            try:
                holds = await self._credentials_hold()
            except STORE_UNREACHABLE:
                # An API key cannot be checked against the store now: this subscription is
                # refused, to be sent again, and the connection with its others stays open.
                await self._refuse(message["id"], self.context.services.admission.store_unreachable())
                return
            if not holds:
                await self.websocket.close(code=CLOSE_FORBIDDEN, reason=CREDENTIALS_ENDED)
                return
        await super().handle_message(message)

    async def _refuse(self, operation_id: str, refusal: Exception) -> None:
        """The protocol's error message for one operation, which ends it; the connection stays open."""
        error = GraphQLError(str(refusal), original_error=refusal)
        await self.send_message({"id": operation_id, "type": "error", "payload": [error.formatted]})

    async def _credentials_hold(self) -> bool:
        params = getattr(self.context, "connection_params", None) or {}
        token = params.get("authorization") or params.get("Authorization")
        authenticator = self.context.services.authenticator
        return await authenticator.authenticate(token if isinstance(token, str) else None) is not None


def _message_problem(message: Any) -> str | None:
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "Invalid message: must be an object with a string 'type'"
    if message["type"] in ("subscribe", "complete"):
        op_id = message.get("id")
        if not isinstance(op_id, str) or not 0 < len(op_id) <= MAX_OPERATION_ID:
            return f"Invalid message: 'id' must be a string of 1 to {MAX_OPERATION_ID} characters"
    if message["type"] == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return "Invalid message: 'payload.query' must be a string"
        if not isinstance(payload.get("variables") or {}, dict):
            return "Invalid message: 'payload.variables' must be an object"
        if not isinstance(payload.get("operationName") or "", str):
            return "Invalid message: 'payload.operationName' must be a string"
    return None


class ConnectionLimits:
    """Wraps the ASGI app of /graphql for WebSocket scopes: counts each client's open
    sockets and refuses a large message before the connection is acknowledged (the
    transport already refuses any message over the server's WebSocket size limit)."""

    def __init__(self, app: ASGIApp, *, max_per_client: int, max_init_bytes: int) -> None:
        self.app = app
        self.max_per_client = max_per_client
        self.max_init_bytes = max_init_bytes
        self.open: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        if self.open[client] >= self.max_per_client:
            await receive()  # websocket.connect
            # Accepted first, so the client sees why (a refused handshake is a bare 403).
            offered = scope.get("subprotocols") or []
            await send({"type": "websocket.accept", "subprotocol": offered[0] if offered else None})
            await send({"type": "websocket.close", "code": CLOSE_TOO_MANY,
                        "reason": "Too many connections from this address"})
            return
        self.open[client] += 1
        acknowledged = False

        async def watched_send(message: Message) -> None:
            nonlocal acknowledged
            if not acknowledged and message["type"] == "websocket.send" \
                    and '"connection_ack"' in (message.get("text") or ""):
                acknowledged = True
            await send(message)

        async def limited_receive() -> Message:
            message = await receive()
            if not acknowledged and message["type"] == "websocket.receive":
                size = len(message.get("text") or "") + len(message.get("bytes") or b"")
                if size > self.max_init_bytes:
                    await send({"type": "websocket.close", "code": CLOSE_TOO_LARGE,
                                "reason": f"Message before connection_ack over {self.max_init_bytes} bytes"})
                    return {"type": "websocket.disconnect", "code": CLOSE_TOO_LARGE}
            return message

        try:
            await self.app(scope, limited_receive, watched_send)
        finally:
            credential_watch(scope).forget(scope)
            self.open[client] -= 1
            if not self.open[client]:
                del self.open[client]


def credential_watch(connection: Scope | WebSocket) -> CredentialWatch:
    scope = connection.scope if isinstance(connection, WebSocket) else connection
    return scope["app"].state.credential_watch


@dataclass(slots=True)
class _OpenSocket:
    websocket: WebSocket
    authorization: str
    expires_at: float | None
    """A JWT's expiry: checked against the time, without decoding it again."""


class CredentialWatch:
    """Re-checks the credentials of every open socket every `interval` seconds and closes
    with 4403 those that expired or were revoked. Revocations are followed through the
    database, so one made on any instance reaches this one within the interval."""

    def __init__(self, *, authenticator: Authenticator, interval: float) -> None:
        self._authenticator = authenticator
        self._interval = interval
        self._sockets: dict[int, _OpenSocket] = {}
        self._task: asyncio.Task | None = None

    def watch(self, websocket: WebSocket, authorization: str) -> None:
        self._sockets[id(websocket.scope)] = _OpenSocket(
            websocket, authorization, self._authenticator.expiry(authorization)
        )

    def forget(self, connection: Scope | WebSocket) -> None:
        scope = connection.scope if isinstance(connection, WebSocket) else connection
        self._sockets.pop(id(scope), None)

    async def _still_valid(self, socket: _OpenSocket) -> bool:
        if socket.expires_at is not None:
            return time.time() < socket.expires_at
        return await self._authenticator.authenticate(socket.authorization) is not None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.check()
            except STORE_UNREACHABLE as error:
                # Sockets stay open meanwhile: they were valid at the last check.
                log.warning("checking the credentials of open sockets: store unreachable (%s); trying again",
                            type(error).__name__)
            except Exception:
                log.exception("checking the credentials of open sockets failed; trying again")

    async def check(self) -> None:
        await self._authenticator.follow_revocations()
        for key, socket in list(self._sockets.items()):
            if not await self._still_valid(socket):
                self._sockets.pop(key, None)
                with suppress(Exception):
                    await socket.websocket.close(code=CLOSE_FORBIDDEN, reason=CREDENTIALS_ENDED)
