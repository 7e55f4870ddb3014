"""Root subscription fields: live pushes over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from live import topics
from live.hub import SubscriberLagged
from live.topics import SessionChangeMessage
from schema.enums import SessionChangeKind
from schema.outcomes import OutcomeProgress, pushed_progress
from schema.permissions import requires
from schema.types import JourneyEvent, Session, SessionChange


async def _stream(info: Info, topic: str, convert: Callable[[Any], Any | None]) -> AsyncGenerator:
    hub = info.context.services.hub
    try:
        async with hub.subscribe(topic) as subscription:
            info.context.subscription_starts.started()
            async for payload in subscription:
                info.context.renew_loaders()
                item = convert(payload)
                if item is not None:
                    yield item
    except SubscriberLagged:
        # Dropping messages silently would show an agent a wrong map; closing tells
        # the console to resubscribe and reload.
        await info.context.drop_lagged()


def _session_change(info: Info) -> Callable[[SessionChangeMessage], SessionChange | None]:
    principal = info.context.require_principal()

    def convert(payload: SessionChangeMessage) -> SessionChange | None:
        session = payload["session"]
        if not principal.sees_session(session):
            return None
        info.context.loaders.prime_session(session)
        return SessionChange(kind=SessionChangeKind(payload["change"]), session=Session(doc=session))

    return convert


SessionId = Annotated[strawberry.ID, strawberry.argument(description="The session to follow.")]


@strawberry.type(
    description="Live pushes over graphql-transport-ws: Live Now, session cards, journey maps and outcome bars.",
)
class Subscription:
    @strawberry.subscription(
        permission_classes=[requires(perm.EVENT_VIEW)],
        description="Each new item of a session's journey map, in order.",
    )
    async def journey_map(
        self, info: Info, session_id: SessionId
    ) -> AsyncGenerator[JourneyEvent]:
        if await info.context.loaders.session.load(str(session_id)) is None:
            raise InvalidInput("sessionId", "no such session")
        async for item in _stream(info, topics.journey(str(session_id)), JourneyEvent.from_doc):
            if item.segment is not None and (await info.context.loaders.segments()).get(item.segment.id) is None:
                continue  # the match of a segment hidden from this caller
            yield item

    @strawberry.subscription(
        permission_classes=[requires(perm.SESSION_VIEW)],
        description="A session's progress toward each active outcome, after every batch of its events; "
        "an achievement arrives with achieved true.",
    )
    async def outcome_progress(
        self, info: Info, session_id: SessionId
    ) -> AsyncGenerator[OutcomeProgress]:
        if await info.context.loaders.session.load(str(session_id)) is None:
            raise InvalidInput("sessionId", "no such session")
        async for payload in _stream(info, topics.outcomes(str(session_id)), lambda payload: payload):
            item = await pushed_progress(payload, info)
            if item is not None:
                yield item

    @strawberry.subscription(
        permission_classes=[requires(perm.SESSION_VIEW)],
        description="A customer's session cards: new sessions, counter changes, ACTIVE→INACTIVE.",
    )
    async def session_cards(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID, strawberry.argument(description="The customer whose cards to follow.")
        ],
    ) -> AsyncGenerator[SessionChange]:
        async for item in _stream(info, topics.cards(str(customer_id)), _session_change(info)):
            yield item

    @strawberry.subscription(
        permission_classes=[requires(perm.VISIT_VIEW)],
        description="Live Now: web sessions appearing, changing and going inactive.",
    )
    async def live_visitors(self, info: Info) -> AsyncGenerator[SessionChange]:
        async for item in _stream(info, topics.LIVE_VISITORS, _session_change(info)):
            yield item
