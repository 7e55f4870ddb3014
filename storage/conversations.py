"""Conversation sessions: calls, emails, messaging and chats, on the customer's cards."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from storage import events
from storage.database import Database
from storage.documents import EventDocument, SessionDocument

_NAMESPACE = uuid.UUID("5b0f9a52-7c1d-4d3e-8f60-2a9e4c1b7d88")
MILESTONES = (
    ("startedAt", "started", "Conversation started"),
    ("queuedAt", "queued", "Connected to a queue"),
    ("connectedAt", "connected", "Connected to an agent"),
    ("endedAt", "ended", "Conversation ended"),
)


def conversation_session_id(conversation_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, conversation_id))


class HeldElsewhere(Exception):
    """The conversation belongs to a division the writer does not hold."""


async def record(
    db: Database, *, conversation_id: str, customer_id: str, division_id: str,
    details: dict[str, Any], moments: dict[str, datetime | None], now: datetime,
    writable_divisions: list[str] | None = None,
) -> tuple[SessionDocument, bool, list[EventDocument]]:
    """Create or update one conversation's session and its milestone items; an existing
    conversation is changed only when its division is one of writable_divisions (None: any).

    Returns (session, created, milestone items added by this call), or raises HeldElsewhere
    having written nothing."""
    session_id = conversation_session_id(conversation_id)
    owned = {} if writable_divisions is None else {"divisionId": {"$in": writable_divisions}}
    if owned and await db.sessions.find_one({"_id": session_id, "$nor": [owned]}, {"_id": 1}):
        raise HeldElsewhere(conversation_id)
    known = {name: moment for name, moment in moments.items() if moment is not None}
    ended_at = known.get("endedAt")
    items: list[EventDocument] = [
        {
            "_id": ObjectId(),
            "dedupeKey": f"conversation/{conversation_id}/{milestone}",
            "sessionId": session_id,
            "customerId": customer_id,
            "type": "conversation",
            "kind": "CONVERSATION",
            "name": milestone,
            "icon": f"conversation-{milestone}",
            "occurredAt": known[field],
            "receivedAt": now,
            "page": None,
            "referrer": None,
            "query": None,
            "attributes": {"milestone": milestone, "channel": details["channel"]},
        }
        for field, milestone, _ in MILESTONES
        if field in known
    ]
    fields: dict[str, Any] = {
        "customerId": customer_id,
        "divisionId": division_id,
        "conversation": {**details, **known},
        "startedAt": known["startedAt"],
        "lastActivityAt": max(known.values()),
        "status": "INACTIVE" if ended_at else "ACTIVE",
        "eventCount": len(items),
        "updatedAt": now,
    }
    if ended_at:
        fields["endedAt"] = ended_at
    try:
        before = await _upsert(db, {"_id": session_id, **owned}, fields, conversation_id, now)
    except DuplicateKeyError:
        # Moved into another division between the check above and this write.
        raise HeldElsewhere(conversation_id) from None
    lost = await events.insert_new(db, documents=items)
    added = [item for position, item in enumerate(items) if position not in lost]
    after = await db.sessions.find_one({"_id": session_id})
    assert after is not None, "written just above"
    return after, before is None, added


async def _upsert(db: Database, match: dict[str, Any], fields: dict[str, Any], conversation_id: str,
                  now: datetime) -> dict[str, Any] | None:
    return await db.sessions.find_one_and_update(
        match,
        {
            "$set": fields,
            "$setOnInsert": {
                "type": "CONVERSATION",
                "conversationId": conversation_id,
                "pageviewCount": 0,
                "createdAt": now,
            },
        },
        upsert=True,
        return_document=ReturnDocument.BEFORE,
    )
