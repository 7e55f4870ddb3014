"""Topic names and message shapes shared by publishers and subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

from storage.documents import EventDocument, SessionDocument

LIVE_VISITORS = "visitors"

ChangeKind = Literal["CREATED", "UPDATED", "INACTIVE", "MOVED", "REMOVED"]


class SessionChangeMessage(TypedDict):
    """To card and Live Now subscribers: a session appeared, changed, went inactive,
    moved to another customer or was removed."""

    change: ChangeKind
    session: SessionDocument


class OutcomeProgressMessage(TypedDict):
    """To a session's outcome subscribers: its progress toward one outcome."""

    sessionId: str
    outcomeId: str
    probability: float
    quantile: float | None
    factors: list[list[object]]
    source: str
    achievedAt: datetime | None


Payload = EventDocument | SessionChangeMessage | OutcomeProgressMessage
"""A journey item (to the session's journey map subscribers), a session change or an
outcome's progress."""

Message = tuple[str, Payload]
"""A topic and the payload its subscribers receive."""


def journey(session_id: str) -> str:
    return f"journey:{session_id}"


def cards(customer_id: str) -> str:
    return f"cards:{customer_id}"


def outcomes(session_id: str) -> str:
    """A session's progress toward each outcome."""
    return f"outcomes:{session_id}"


def session_change(change: ChangeKind, session: SessionDocument) -> list[Message]:
    """The messages that tell card and Live Now subscribers a session changed."""
    payload: SessionChangeMessage = {"change": change, "session": session}
    messages: list[Message] = [(cards(session["customerId"]), payload)]
    if session.get("type") == "WEB":
        messages.append((LIVE_VISITORS, payload))
    return messages
