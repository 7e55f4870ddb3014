"""Merges of one customer into another, recorded so that a split can undo them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.database import Database


async def move_customer(
    db: Database, *, source_id: str, target_id: str, now: datetime, reason: str
) -> dict[str, Any]:
    """Move everything of source to target and record what moved. A fixed number of
    round trips, however many sessions and events the source has."""
    session_ids = [doc["_id"] async for doc in db.sessions.find({"customerId": source_id}, {"_id": 1})]
    identity_keys = [doc["_id"] async for doc in db.identities.find({"customerId": source_id}, {"_id": 1})]
    record = {
        "sourceId": source_id,
        "targetId": target_id,
        "at": now,
        "reason": reason,
        "sessionIds": session_ids,
        "identityKeys": identity_keys,
        "undoneAt": None,
    }
    await db.db.merges.insert_one(record)
    await _reassign(db, session_ids=session_ids, identity_keys=identity_keys, to_customer=target_id)
    return record


async def _reassign(db: Database, *, session_ids: list[str], identity_keys: list[str], to_customer: str) -> None:
    if session_ids:
        await db.sessions.update_many({"_id": {"$in": session_ids}}, {"$set": {"customerId": to_customer}})
        await db.events.update_many({"sessionId": {"$in": session_ids}}, {"$set": {"customerId": to_customer}})
    if identity_keys:
        await db.identities.update_many({"_id": {"$in": identity_keys}}, {"$set": {"customerId": to_customer}})


async def latest_into(db: Database, *, source_id: str) -> dict[str, Any] | None:
    return await db.db.merges.find_one(
        {"sourceId": source_id, "undoneAt": None}, sort=[("at", -1)]
    )


async def undo(db: Database, *, merge: dict[str, Any], now: datetime) -> None:
    """Give the source back what the merge moved (sessions it had, and their events)."""
    await _reassign(
        db, session_ids=merge["sessionIds"], identity_keys=merge["identityKeys"], to_customer=merge["sourceId"]
    )
    await db.db.merges.update_one({"_id": merge["_id"]}, {"$set": {"undoneAt": now}})
