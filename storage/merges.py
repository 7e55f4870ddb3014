"""Merges of one customer into another, recorded so that a split can undo them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from storage.database import Database


async def move_customer(
    db: Database, *, source_id: str, target_id: str, now: datetime, reason: str
) -> dict[str, Any]:
    """Move the sessions of source (and their events) to target and record what moved,
    with the identities move_identities moves last. A fixed number of round trips,
    however many sessions and events the source has.

    A merge cut off halfway is resumed, not recorded again: the open record of the same
    two customers gains what is still to move, and everything it lists moves again."""
    session_ids = [doc["_id"] async for doc in db.sessions.find({"customerId": source_id}, {"_id": 1})]
    identity_keys = [doc["_id"] async for doc in db.identities.find({"customerId": source_id}, {"_id": 1})]
    record = await db.db.merges.find_one_and_update(
        {"sourceId": source_id, "targetId": target_id, "undoneAt": None},
        {
            "$setOnInsert": {"at": now, "reason": reason},
            "$addToSet": {"sessionIds": {"$each": session_ids}, "identityKeys": {"$each": identity_keys}},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert record is not None, "an upsert returning the document after it always has one"
    await _reassign(db, session_ids=record["sessionIds"], identity_keys=[], to_customer=target_id)
    return record


async def move_identities(db: Database, *, record: dict[str, Any]) -> None:
    """The last step of a merge: the source's browsers and identities lead to the target
    from now on (until then, a merge cut off halfway is found again and resumed)."""
    await _reassign(db, session_ids=[], identity_keys=record["identityKeys"], to_customer=record["targetId"])


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
