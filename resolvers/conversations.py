"""recordConversation: a conversation becomes a division-owned session card."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from access import permissions as perm
from journey.errors import InvalidInput
from live import topics
from resolvers.permissions import requires
from schema.types import Session
from storage import conversations

MAX_TEXT = 200


@strawberry.enum
class ConversationChannel(Enum):
    CALL = "CALL"
    EMAIL = "EMAIL"
    MESSAGING = "MESSAGING"
    WEBCHAT = "WEBCHAT"


@strawberry.enum
class ConversationDirection(Enum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


@strawberry.input
class ConversationInput:
    conversation_id: strawberry.ID = strawberry.field(
        description="The contact centre's id; recording it again updates the same card."
    )
    customer_id: strawberry.ID
    channel: ConversationChannel
    direction: ConversationDirection
    division_id: strawberry.ID
    started_at: datetime
    ended_at: datetime | None = None
    queue: str | None = None
    agent: str | None = None
    subject: str | None = None


def _short(value: str | None, field: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT:
        raise InvalidInput(field, f"is longer than {MAX_TEXT} characters")
    return value


def _aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput(field, "must include a time zone")
    return moment


@strawberry.type
class ConversationMutation:
    @strawberry.mutation(permission_classes=[requires(perm.CONVERSATION_ADD)])
    async def record_conversation(self, info: Info, input: ConversationInput) -> Session:
        services = info.context.services
        started_at = _aware(input.started_at, "startedAt")
        ended_at = _aware(input.ended_at, "endedAt")
        if ended_at is not None and ended_at < started_at:
            raise InvalidInput("endedAt", "is before startedAt")
        for field, value in (("conversationId", input.conversation_id), ("divisionId", input.division_id)):
            if not str(value).strip() or len(str(value)) > 100:
                raise InvalidInput(field, "must be 1 to 100 characters")
        if await info.context.loaders.customer.load(str(input.customer_id)) is None:
            raise InvalidInput("customerId", "no such customer")
        details = {
            "channel": input.channel.value,
            "direction": input.direction.value,
            "queue": _short(input.queue, "queue"),
            "agent": _short(input.agent, "agent"),
            "subject": _short(input.subject, "subject"),
        }
        session, created = await conversations.record(
            services.db,
            conversation_id=str(input.conversation_id),
            customer_id=str(input.customer_id),
            division_id=str(input.division_id),
            details=details,
            started_at=started_at,
            ended_at=ended_at,
            now=services.clock.now(),
        )
        change = "CREATED" if created else ("INACTIVE" if ended_at else "UPDATED")
        await services.hub.publish(topics.session_change(change, session))
        return Session(doc=session)
