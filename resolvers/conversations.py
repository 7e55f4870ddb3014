"""recordConversation: a conversation becomes a division-owned session card with its own
short journey (started, queued, connected to an agent, ended)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from live import topics
from live.topics import ChangeKind, Message
from schema.conversations import ConversationInput
from schema.permissions import requires
from schema.types import Session
from storage import conversations, sessions

MAX_TEXT = 200


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
            web = await sessions.find_web(services.db, session_id=str(input.web_session_id))
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
        change: ChangeKind = "CREATED" if created else ("INACTIVE" if input.ended_at else "UPDATED")
        messages: list[Message] = [(topics.journey(session["_id"]), item) for item in added]
        await services.hub.publish(messages + topics.session_change(change, session))
        return Session(doc=session)
