"""Execute once, send many: subscribers whose operation and visibility scope are equal
share one subscription execution and one serialised frame per push.

A group is keyed by the operation (document, operation name, variables) and by what the
caller may see: its permissions and divisions, the only parts of a principal that
resolvers read. Each push is executed once for the group; per subscriber only the
envelope id is spliced into the frame. Fan-out runs in slices that yield to the event
loop, so the live channel and every other socket keep being served during a large one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, TypeGuard

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.schema import BaseSchema
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from access.principal import Principal
from app.live_socket import LiveSocket
from live.starts import SubscriptionStarts
from resolvers.context import Context

log = logging.getLogger(__name__)

_COMPLETE = b',"type":"complete"}'


class GroupMemberConnection(Protocol):
    socket: LiveSocket

    def forget_membership(self, operation_id: str) -> None: ...


@dataclass(eq=False, slots=True)
class Member:
    connection: GroupMemberConnection
    operation_id: str
    envelope: bytes
    """The frame's opening up to its id: b'{"id":"7"'."""


def member(connection: GroupMemberConnection, operation_id: str) -> Member:
    return Member(connection, operation_id, b'{"id":' + json.dumps(operation_id).encode())


MAX_CACHED_QUERY = 16 * 1024
"""Longer documents are parsed every time: the cache's size in bytes stays bounded."""


def is_subscription(query: str, operation_name: str | None, max_tokens: int) -> bool:
    """Whether the document's chosen operation is a subscription; False for anything
    unparsable, which then takes the ordinary path and its errors."""
    if len(query) > MAX_CACHED_QUERY or (operation_name is not None and len(operation_name) > 256):
        return _is_subscription.__wrapped__(query, operation_name, max_tokens)
    return _is_subscription(query, operation_name, max_tokens)


@lru_cache(maxsize=512)
def _is_subscription(query: str, operation_name: str | None, max_tokens: int) -> bool:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION


def scope_key(principal: Principal) -> Hashable:
    return (principal.permissions, principal.divisions)


def _frame_tail(kind: str, payload: Any) -> bytes:
    return b',"type":"' + kind.encode() + b'","payload":' + json.dumps(payload, separators=(",", ":")).encode() + b"}"


def _next_payload(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


class _GroupStart(SubscriptionStarts):
    """The group's execution marks the group started, whichever connection waits on it."""

    def __init__(self, event: asyncio.Event) -> None:
        super().__init__()
        self._event = event

    def started(self) -> None:
        self._event.set()


class LiveGroup:
    def __init__(self, groups: LiveGroups, key: Hashable, context: Context,
                 query: str, variables: dict[str, Any] | None, operation_name: str | None) -> None:
        self._groups = groups
        self.key = key
        self.members: dict[Member, None] = {}
        self._context = context
        self._query = query
        self._variables = variables
        self._operation_name = operation_name
        self._task: asyncio.Task | None = None
        self.started = asyncio.Event()
        """Set once pushes reach the group (or it ended): a pong may then answer."""
        context.close_lagged = self._close_members_lagged
        context.subscription_starts = _GroupStart(self.started)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live-group")

    def add(self, joining: Member) -> None:
        self.members[joining] = None

    def remove(self, leaving: Member) -> None:
        self.members.pop(leaving, None)
        if not self.members:
            self._groups.forget(self)
            if self._task is not None:
                self._task.cancel()

    async def _run(self) -> None:
        try:
            source = await self._groups.schema.stream(
                self._query, variable_values=self._variables, context_value=self._context,
                operation_name=self._operation_name,
            )
            async with aclosing(source):
                first = True
                async for result in source:
                    if first and self._never_started(result):
                        self._finish(_frame_tail("error", [error.formatted for error in result.errors or ()]))
                        return
                    if not isinstance(result, ExecutionResult):
                        error = GraphQLError("Incremental delivery is not supported over graphql-transport-ws")
                        self._finish(_frame_tail("error", [error.formatted]))
                        return
                    first = False
                    await self._fan_out(_frame_tail("next", _next_payload(result)))
            self._finish(_COMPLETE)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live subscription failed")
            self._finish(_COMPLETE)

    def _never_started(self, result: object) -> TypeGuard[ExecutionResult]:
        """Whether the subscription ended before it could receive a push: refused before it
        ran, or failed while it was being set up (an argument checked against the store, or
        a store that did not answer). Its subscribers get the protocol's error message, which
        ends the operation and says it never started, rather than a next without data."""
        if isinstance(result, PreExecutionError):
            return True
        return (
            not self.started.is_set() and isinstance(result, ExecutionResult)
            and result.data is None and bool(result.errors)
        )

    async def _fan_out(self, tail: bytes) -> None:
        members = tuple(self.members)
        size = self._groups.slice_size
        for start in range(0, len(members), size):
            if start:
                await asyncio.sleep(0)  # let the live channel and other sockets run
            for one in members[start:start + size]:
                one.connection.socket.send(one.envelope + tail)
        self._context.services.hub.pushed(len(members))

    def _finish(self, tail: bytes) -> None:
        """The last frame for every member; synchronous, so nobody joins a finished group."""
        self._groups.forget(self)
        self.started.set()
        members, self.members = tuple(self.members), {}
        for one in members:
            one.connection.socket.send(one.envelope + tail)
            one.connection.forget_membership(one.operation_id)

    async def _close_members_lagged(self) -> None:
        """The group itself fell behind its topic: every member misses the same pushes."""
        for one in tuple(self.members):
            one.connection.socket.close_lagged()


class LiveGroups:
    def __init__(self, schema: BaseSchema, *, slice_size: int) -> None:
        self.schema = schema
        self.slice_size = max(1, slice_size)
        self._groups: dict[Hashable, LiveGroup] = {}

    def __len__(self) -> int:
        return len(self._groups)

    def join(self, joining: Member, *, principal: Principal, make_context: Callable[[], Context],
             query: str, variables: dict[str, Any] | None, operation_name: str | None) -> LiveGroup:
        key = (query, operation_name, json.dumps(variables, sort_keys=True), scope_key(principal))
        group = self._groups.get(key)
        if group is None:
            group = LiveGroup(self, key, make_context(), query, variables, operation_name)
            self._groups[key] = group
            group.add(joining)
            group.start()
        else:
            group.add(joining)
        return group

    def forget(self, group: LiveGroup) -> None:
        if self._groups.get(group.key) is group:
            del self._groups[group.key]
