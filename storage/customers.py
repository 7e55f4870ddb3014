"""Customers: one per anonymous browser until identity stitching joins them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import UpdateOne

from storage.database import Database


async def touch(
    db: Database,
    *,
    seen: dict[str, datetime],
    now: datetime,
    sets: dict[str, dict[str, Any]] | None = None,
    pushes: dict[str, dict[str, list[Any]]] | None = None,
) -> None:
    """Create customers seen for the first time and move their last-seen time on.

    `sets` and `pushes`, by customer id, are the fields the batch replaces and the
    arrays it appends to (visit traits, customer-scope segments)."""
    if not seen:
        return
    sets, pushes = sets or {}, pushes or {}
    updates = []
    for customer_id, moment in seen.items():
        changes: dict[str, Any] = {
            "$setOnInsert": {"createdAt": now, "identified": False, "traits": {}},
            "$max": {"lastSeenAt": moment},
        }
        if sets.get(customer_id):
            changes["$set"] = sets[customer_id]
        # A set, not a push: the retry of a batch cut off after this write adds nothing.
        appended = {name: {"$each": values} for name, values in pushes.get(customer_id, {}).items() if values}
        if appended:
            changes["$addToSet"] = appended
        updates.append(UpdateOne({"_id": customer_id}, changes, upsert=True))
    await db.customers.bulk_write(updates, ordered=False)


async def find(db: Database, *, customer_id: str) -> dict[str, Any] | None:
    return await db.customers.find_one({"_id": customer_id})


async def create_anonymous(db: Database, *, customer_id: str, now: datetime) -> None:
    await db.customers.insert_one(
        {"_id": customer_id, "createdAt": now, "identified": False, "traits": {}, "lastSeenAt": now}
    )


async def mark_identified(
    db: Database, *, customer_id: str, traits: dict[str, Any], now: datetime
) -> None:
    update: dict[str, Any] = {"identified": True, "identifiedAt": now}
    update.update({f"traits.{key}": value for key, value in traits.items()})
    await db.customers.update_one({"_id": customer_id}, {"$set": update})


MAX_CLAIMS = 20


async def add_claims(
    db: Database, *, customer_id: str, claimed: dict[str, str], traits: dict[str, Any], now: datetime
) -> None:
    """Unverified identities, newest last, at most MAX_CLAIMS kept."""
    claims = [{"type": kind, "value": value, "createdAt": now} for kind, value in claimed.items()]
    changes: dict[str, Any] = {"$push": {"claims": {"$each": claims, "$slice": -MAX_CLAIMS}}}
    if traits:
        changes["$set"] = {f"traits.{key}": value for key, value in traits.items()}
    await db.customers.update_one({"_id": customer_id}, changes)


async def mark_merged(db: Database, *, source_id: str, target_id: str | None, now: datetime) -> None:
    """A merged customer stays as a pointer, so links to it lead to where it went."""
    changes = {"$set": {"mergedInto": target_id, "mergedAt": now}} if target_id else {
        "$unset": {"mergedInto": "", "mergedAt": ""}}
    await db.customers.update_one({"_id": source_id}, changes)


async def merged_into(db: Database, *, customer_id: str) -> list[str]:
    """The customer and every customer merged into it, directly or through a chain
    (C into B, then B into A): one round trip per link of the longest chain."""
    found, frontier = [customer_id], [customer_id]
    while frontier:
        frontier = [
            doc["_id"] async for doc in db.customers.find(
                {"mergedInto": {"$in": frontier}, "_id": {"$nin": found}}, {"_id": 1}
            )
        ]
        found += frontier
    return found


async def record_conflict(db: Database, *, conflict: dict[str, Any]) -> None:
    await db.db.identity_conflicts.insert_one(conflict)


async def conflicts_of(db: Database, *, customer_ids: list[str]) -> list[dict[str, Any]]:
    return await db.db.identity_conflicts.find(
        {"$or": [{"customerId": {"$in": customer_ids}}, {"otherCustomerId": {"$in": customer_ids}}]}
    ).sort("at", 1).to_list()


async def absorb(db: Database, *, target_id: str, source: dict[str, Any]) -> None:
    """What a merged customer knew that is not in its sessions: its customer-scope
    segments, and its latest visit's traits when it was seen last."""
    changes: dict[str, Any] = {}
    if source.get("segments"):
        changes["$addToSet"] = {"segments": {"$each": source["segments"]}}
    if source.get("lastSeenAt"):
        changes["$max"] = {"lastSeenAt": source["lastSeenAt"]}
    if changes:
        await db.customers.update_one({"_id": target_id}, changes)
    if source.get("visitTraits") and source.get("lastSeenAt"):
        await db.customers.update_one(
            {"_id": target_id, "$or": [{"lastSeenAt": {"$lte": source["lastSeenAt"]}}, {"lastSeenAt": None}]},
            {"$set": {"visitTraits": source["visitTraits"]}},
        )
