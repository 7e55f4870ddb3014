"""Topic names and message shapes shared by publishers and subscriptions."""

from __future__ import annotations

from typing import Any

LIVE_VISITORS = "visitors"

Message = tuple[str, Any]
"""A topic and the payload its subscribers receive."""


def journey(session_id: str) -> str:
    return f"journey:{session_id}"


def cards(customer_id: str) -> str:
    return f"cards:{customer_id}"


def outcomes(session_id: str) -> str:
    """A session's progress toward each outcome."""
    return f"outcomes:{session_id}"


def session_change(change: str, session: dict[str, Any]) -> list[Message]:
    """The messages that tell card and Live Now subscribers a session changed."""
    payload = {"change": change, "session": session}
    messages = [(cards(session["customerId"]), payload)]
    if session.get("type") == "WEB":
        messages.append((LIVE_VISITORS, payload))
    return messages
