"""recordConversation: a conversation becomes a division-owned session card with its own
short journey (started, queued, connected to an agent, ended)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from journey import icons
from live import topics
from schema.permissions import requires
from schema.types import Session
from storage import conversations

MAX_TEXT = 200
for _, _milestone, _label in conversations.MILESTONES:
    icons.LEGEND[f"conversation-{_milestone}"] = _label


@strawberry.enum(description="How the customer and the contact centre talked.")
class ConversationChannel(Enum):
    CALL = strawberry.enum_value("CALL", description="A phone call.")
    EMAIL = strawberry.enum_value("EMAIL", description="An email thread.")
    MESSAGING = strawberry.enum_value("MESSAGING", description="SMS or a messaging app.")
    WEBCHAT = strawberry.enum_value("WEBCHAT", description="A chat on the website.")


@strawberry.enum(description="Who started the conversation.")
class ConversationDirection(Enum):
    INBOUND = strawberry.enum_value("INBOUND", description="The customer contacted the contact centre.")
    OUTBOUND = strawberry.enum_value("OUTBOUND", description="The contact centre contacted the customer.")


@strawberry.enum(description="How the conversation ended.")
class ConversationDisposition(Enum):
    ANSWERED = strawberry.enum_value("ANSWERED", description="An agent answered it.")
    ABANDONED = strawberry.enum_value("ABANDONED", description="The customer left before an agent answered.")
    TRANSFERRED = strawberry.enum_value("TRANSFERRED", description="It was passed on to another queue or agent.")


@strawberry.input(description="A contact-centre conversation to show as a session card.")
class ConversationInput:
    conversation_id: strawberry.ID = strawberry.field(
        description="The contact centre's id; recording it again updates the same card."
    )
    customer_id: strawberry.ID = strawberry.field(description="The customer it was with.")
    channel: ConversationChannel = strawberry.field(description="Call, email, messaging or web chat.")
    direction: ConversationDirection = strawberry.field(description="Inbound or outbound.")
    division_id: strawberry.ID = strawberry.field(
        description="The division that owns it; only keys for that division see it.",
    )
    started_at: datetime = strawberry.field(description="When it started, with a time zone.")
    queued_at: datetime | None = strawberry.field(default=None, description="When it joined a queue.")
    connected_at: datetime | None = strawberry.field(default=None, description="Connected to an agent.")
    ended_at: datetime | None = strawberry.field(
        default=None,
        description="When it ended; the card turns gray.",
    )
    queue: str | None = strawberry.field(
        default=None,
        description="The queue it waited in (up to 200 characters).",
    )
    agent: str | None = strawberry.field(
        default=None,
        description="The agent who handled it (up to 200 characters).",
    )
    subject: str | None = strawberry.field(
        default=None,
        description="What it was about (up to 200 characters).",
    )
    disposition: ConversationDisposition | None = strawberry.field(
        default=None, description="How it ended: answered, abandoned or transferred."
    )
    wrap_up_code: str | None = strawberry.field(
        default=None, description="The agent's wrap-up code (up to 200 characters)."
    )
    web_session_id: strawberry.ID | None = strawberry.field(
        default=None, description="The web session the conversation started in (a chat accepted on a page)."
    )


def _short(value: str | None, field: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT:
        raise InvalidInput(field, f"is longer than {MAX_TEXT} characters")
    return value


def _moments(input: ConversationInput) -> dict[str, datetime | None]:
    moments = {
        "startedAt": input.started_at, "queuedAt": input.queued_at,
        "connectedAt": input.connected_at, "endedAt": input.ended_at,
    }
    for field, moment in moments.items():
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(field, "must include a time zone")
    for field in ("queuedAt", "connectedAt", "endedAt"):
        moment = moments[field]
        if moment is not None and moment < input.started_at:
            raise InvalidInput(field, "is before startedAt")
    return moments


@strawberry.type
class ConversationMutation:
    @strawberry.mutation(
        permission_classes=[requires(perm.CONVERSATION_ADD)],
        description="Show a conversation as a session card on the customer's timeline, with its "
        "milestones as a short journey; recording the same conversation again updates the card. The caller must hold "
        "its division and, for a conversation already recorded, the division it is in.",
    )
    async def record_conversation(
        self,
        info: Info,
        input: Annotated[ConversationInput, strawberry.argument(description="The conversation as it is now.")],
    ) -> Session:
        services = info.context.services
        moments = _moments(input)
        for field, value in (("conversationId", input.conversation_id), ("divisionId", input.division_id)):
            if not str(value).strip() or len(str(value)) > 100:
                raise InvalidInput(field, "must be 1 to 100 characters")
        principal = info.context.require_principal()
        if not principal.holds_division(str(input.division_id)):
            raise InvalidInput("divisionId", "is not a division you hold")
        customer_id = str(input.customer_id)
        if await info.context.loaders.customer.load(customer_id) is None:
            raise InvalidInput("customerId", "no such customer")
        if input.web_session_id is not None:
            web = await services.db.sessions.find_one({"_id": str(input.web_session_id), "type": "WEB"})
            if web is None or web["customerId"] != customer_id:
                raise InvalidInput("webSessionId", "no such web session of this customer")
        details = {
            "channel": input.channel.value,
            "direction": input.direction.value,
            "queue": _short(input.queue, "queue"),
            "agent": _short(input.agent, "agent"),
            "subject": _short(input.subject, "subject"),
            "disposition": input.disposition.value if input.disposition else None,
            "wrapUpCode": _short(input.wrap_up_code, "wrapUpCode"),
            "webSessionId": str(input.web_session_id) if input.web_session_id else None,
        }
        try:
            session, created, added = await conversations.record(
                services.db,
                conversation_id=str(input.conversation_id),
                customer_id=customer_id,
                division_id=str(input.division_id),
                details=details,
                moments=moments,
                now=services.clock.now(),
                writable_divisions=None if principal.all_divisions else sorted(principal.divisions),
            )
        except conversations.HeldElsewhere:
            raise InvalidInput("conversationId", "belongs to a division you do not hold") from None
        change = "CREATED" if created else ("INACTIVE" if input.ended_at else "UPDATED")
        messages = [(topics.journey(session["_id"]), item) for item in added]
        await services.hub.publish(messages + topics.session_change(change, session))
        return Session(doc=session)
