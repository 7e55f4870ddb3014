"""A contact-centre conversation as recordConversation takes it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry


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
