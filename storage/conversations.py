"""Conversation sessions: calls, emails, messaging and chats, on the customer's cards."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from storage.database import Database

_NAMESPACE = uuid.UUID("5b0f9a52-7c1d-4d3e-8f60-2a9e4c1b7d88")


def conversation_session_id(conversation_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, conversation_id))


async def record(
    db: Database, *, conversation_id: str, customer_id: str, division_id: str,
    details: dict[str, Any], started_at: datetime, ended_at: datetime | None, now: datetime,
) -> tuple[dict[str, Any], bool]:
    """Create or update one conversation's session. Returns (session, created)."""
    session_id = conversation_session_id(conversation_id)
    fields: dict[str, Any] = {
        "customerId": customer_id,
        "divisionId": division_id,
        "conversation": details,
        "startedAt": started_at,
        "lastActivityAt": ended_at or started_at,
        "status": "INACTIVE" if ended_at else "ACTIVE",
        "updatedAt": now,
    }
    if ended_at:
        fields["endedAt"] = ended_at
    before = await db.sessions.find_one_and_update(
        {"_id": session_id},
        {
            "$set": fields,
            "$setOnInsert": {
                "type": "CONVERSATION",
                "conversationId": conversation_id,
                "eventCount": 0,
                "pageviewCount": 0,
                "createdAt": now,
            },
        },
        upsert=True,
        return_document=ReturnDocument.BEFORE,
    )
    after = await db.sessions.find_one({"_id": session_id})
    return after, before is None
