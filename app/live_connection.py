"""One graphql-transport-ws connection: strawberry's protocol handling, with subscriptions
joined to shared executions (app.live_groups) and every frame sent through the
connection's bounded LiveSocket."""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from strawberry.asgi import ASGIWebSocketAdapter

from access.principal import Principal
from app.live_groups import LiveGroup, Member, is_subscription, member
from app.live_limits import TOO_MANY_CONNECTIONS_CODE, TooManyConnections
from app.live_socket import LiveSocket
from app.websocket_guard import CLOSE_TRY_AGAIN_LATER
from app.ws_protocol import START_WAIT_SECONDS, StartAwareTransportWS
from journey.admission import STORE_UNAVAILABLE
from resolvers.context import Context
from storage.database import STORE_UNREACHABLE

if TYPE_CHECKING:
    from app.graphql_view import JourneyGraphQL


class LiveConnection(StartAwareTransportWS):
    view: JourneyGraphQL
    websocket: ASGIWebSocketAdapter

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        ws = self.websocket.ws
        self._hub = self.context.services.hub
        self.socket = LiveSocket(ws.scope, ws.send, self.view.live_queue_size)
        self.socket.on_lagged = self._hub.lagged_disconnect
        self.memberships: dict[str, tuple[LiveGroup, Member]] = {}
        self._counted: Principal | None = None

    async def send_message(self, message: Any) -> None:
        if "id" not in message:  # connection_ack, pong: the ordinary path, which guards watch
            await super().send_message(message)
            return
        self.socket.send(json.dumps(message).encode())

    async def handle_ping(self, message: Any) -> None:
        """As StartAwareTransportWS, counting subscriptions that joined a shared execution."""
        starting = [group.started for group, _ in self.memberships.values() if not group.started.is_set()]
        if not starting:
            await super().handle_ping(message)
            return
        if self._pongs is None:
            self._pongs = set()
        pong = asyncio.create_task(self._ping_once_groups_started(starting, message))
        self._pongs.add(pong)
        pong.add_done_callback(self._pongs.discard)

    async def _ping_once_groups_started(self, starting: list[asyncio.Event], message: Any) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(event.wait() for event in starting)), START_WAIT_SECONDS)
        with suppress(Exception):  # the connection closed meanwhile
            await super().handle_ping(message)

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except TooManyConnections as refusal:
            await self.websocket.close(code=TOO_MANY_CONNECTIONS_CODE, reason=str(refusal))
            return
        except STORE_UNREACHABLE:
            # An API key cannot be checked against the store now. The protocol allows one
            # connection_init per socket, so the client is told to connect again later.
            await self.websocket.close(code=CLOSE_TRY_AGAIN_LATER, reason=STORE_UNAVAILABLE)
            return
        if self.connection_acknowledged:
            self._counted = self.context.principal

    async def handle_subscribe(self, message: Any) -> None:
        operation_id = message["id"]
        if self.connection_acknowledged:
            if operation_id in self.memberships or operation_id in self.operations:
                await self.websocket.close(code=4409, reason=f"Subscriber for {operation_id} already exists")
                return
            limit = self.max_subscriptions_per_connection
            if limit is not None and len(self.operations) + len(self.memberships) >= limit:
                await self._refuse(operation_id, GraphQLError("Subscription limit reached"))
                return
        shared = self._shared_operation(message)
        if shared is None:
            await super().handle_subscribe(message)
            return
        query, variables, operation_name = shared
        principal = self.context.require_principal()
        limits = self.view.live_limits
        if not limits.add_subscription(principal):
            await self._refuse(operation_id, GraphQLError(limits.subscription_refusal))
            return
        joining = member(self, operation_id)
        services = self.context.services
        group = self.view.live_groups.join(
            joining, principal=principal,
            make_context=lambda: Context(services=services, principal=principal),
            query=query, variables=variables, operation_name=operation_name,
        )
        self.memberships[operation_id] = (group, joining)
        self._hub.subscriber_added()

    def _shared_operation(self, message: Any) -> tuple[str, dict | None, str | None] | None:
        """(query, variables, operation name) of a subscription that may share an execution."""
        payload = message.get("payload")
        if not self.connection_acknowledged or not isinstance(payload, dict):
            return None
        query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict | None) or not isinstance(name, str | None):
            return None
        if not is_subscription(query, name, self.view.max_query_tokens):
            return None
        return query, variables, name

    def forget_membership(self, operation_id: str) -> None:
        """The group has sent this subscription its last frame."""
        if self.memberships.pop(operation_id, None) is not None:
            self._released()

    def _leave(self, operation_id: str) -> None:
        entry = self.memberships.pop(operation_id, None)
        if entry is not None:
            group, joined = entry
            group.remove(joined)
            self._released()

    def _released(self) -> None:
        self.view.live_limits.remove_subscription(self.context.require_principal())
        self._hub.subscriber_removed()

    async def handle_complete(self, message: Any) -> None:
        if message["id"] in self.memberships:
            self._leave(message["id"])
            return
        await super().handle_complete(message)

    async def shutdown(self) -> None:
        for operation_id in tuple(self.memberships):
            self._leave(operation_id)
        if self._counted is not None:
            self.view.live_limits.close_connection(self._counted)
            self._counted = None
        self.socket.cancel()
        await super().shutdown()
