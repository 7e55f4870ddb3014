"""Segments: their definitions, the version counter that tells every instance to reload
them, and the customer-scope assignments kept on customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from storage.database import Database

_VERSION_ID = "segments"


async def listing(db: Database) -> list[dict[str, Any]]:
    """Every segment, oldest first."""
    return await db.segments.find({}).sort([("createdAt", 1), ("_id", 1)]).to_list()


async def find(db: Database, *, segment_id: str) -> dict[str, Any] | None:
    return await db.segments.find_one({"_id": segment_id})


async def count(db: Database) -> int:
    return await db.segments.count_documents({})


async def create(db: Database, *, definition: dict[str, Any], now: datetime) -> dict[str, Any]:
    doc = {
        "_id": str(ObjectId()),
        **definition,
        "active": True,
        "revision": 1,
        "createdAt": now,
        "updatedAt": now,
    }
    await db.segments.insert_one(doc)
    await _bump_version(db)
    return doc


async def update(
    db: Database, *, segment_id: str, changes: dict[str, Any], new_revision: bool, now: datetime
) -> dict[str, Any] | None:
    """Apply `changes`; `new_revision` restarts every session's progress toward the
    segment (its conditions changed, so old counts no longer mean anything)."""
    update_doc: dict[str, Any] = {"$set": {**changes, "updatedAt": now}}
    if new_revision:
        update_doc["$inc"] = {"revision": 1}
    doc = await db.segments.find_one_and_update(
        {"_id": segment_id}, update_doc, return_document=ReturnDocument.AFTER
    )
    if doc is not None:
        await _bump_version(db)
    return doc


async def delete(db: Database, *, segment_id: str) -> bool:
    result = await db.segments.delete_one({"_id": segment_id})
    if result.deleted_count:
        await _bump_version(db)
    return bool(result.deleted_count)


async def version(db: Database) -> int:
    doc = await db.versions.find_one({"_id": _VERSION_ID})
    return doc["n"] if doc else 0


async def _bump_version(db: Database) -> None:
    """Written after the change itself, so an instance that reads the new version
    also reads the change."""
    await db.versions.update_one({"_id": _VERSION_ID}, {"$inc": {"n": 1}}, upsert=True)


async def customer_assignments(
    db: Database, *, customer_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The customer-scope assignments of each customer, in the order they were made."""
    if not customer_ids:
        return {}
    cursor = db.customers.find({"_id": {"$in": customer_ids}}, {"segments": 1})
    return {doc["_id"]: doc.get("segments") or [] async for doc in cursor}
