"""Outcomes: their definitions, their trained models, the version counter that tells
every instance to reload both, and the schedule that decides who retrains them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from storage.database import Database

_VERSION_ID = "outcomes"
_TRAINING_SCHEDULE_ID = "outcome-training"


async def listing(db: Database) -> list[dict[str, Any]]:
    """Every outcome, oldest first."""
    return await db.outcomes.find({}).sort([("createdAt", 1), ("_id", 1)]).to_list()


async def find(db: Database, *, outcome_id: str) -> dict[str, Any] | None:
    return await db.outcomes.find_one({"_id": outcome_id})


async def count(db: Database) -> int:
    return await db.outcomes.count_documents({})


async def create(db: Database, *, definition: dict[str, Any], now: datetime) -> dict[str, Any]:
    doc = {
        "_id": str(ObjectId()),
        **definition,
        "active": True,
        "revision": 1,
        "createdAt": now,
        "updatedAt": now,
    }
    await db.outcomes.insert_one(doc)
    await _bump_version(db)
    return doc


async def update(
    db: Database, *, outcome_id: str, changes: dict[str, Any], new_revision: bool, now: datetime
) -> dict[str, Any] | None:
    """Apply `changes`; `new_revision` restarts every session's progress toward the
    outcome and retires its model (its conditions changed, so neither means anything)."""
    update_doc: dict[str, Any] = {"$set": {**changes, "updatedAt": now}}
    if new_revision:
        update_doc["$inc"] = {"revision": 1}
    doc = await db.outcomes.find_one_and_update(
        {"_id": outcome_id}, update_doc, return_document=ReturnDocument.AFTER
    )
    if doc is not None:
        await _bump_version(db)
    return doc


async def delete(db: Database, *, outcome_id: str) -> bool:
    result = await db.outcomes.delete_one({"_id": outcome_id})
    if result.deleted_count:
        await db.outcome_models.delete_one({"_id": outcome_id})
        await _bump_version(db)
    return bool(result.deleted_count)


async def models(db: Database) -> list[dict[str, Any]]:
    """The latest model of each outcome, with the revision it was trained for."""
    return await db.outcome_models.find({}).to_list()


async def save_model(
    db: Database, *, outcome_id: str, revision: int, model: dict[str, Any], now: datetime
) -> None:
    await db.outcome_models.replace_one(
        {"_id": outcome_id},
        {"_id": outcome_id, "revision": revision, "model": model, "savedAt": now},
        upsert=True,
    )
    await _bump_version(db)


async def version(db: Database) -> int:
    doc = await db.versions.find_one({"_id": _VERSION_ID})
    return doc["n"] if doc else 0


async def _bump_version(db: Database) -> None:
    """Written after the change itself, so an instance that reads the new version
    also reads the change."""
    await db.versions.update_one({"_id": _VERSION_ID}, {"$inc": {"n": 1}}, upsert=True)


async def schedule_training(db: Database, *, first_at: datetime) -> None:
    """Start the training schedule, unless an instance started it before."""
    await db.schedules.update_one(
        {"_id": _TRAINING_SCHEDULE_ID}, {"$setOnInsert": {"nextAt": first_at}}, upsert=True
    )


async def claim_training(db: Database, *, now: datetime, interval: timedelta) -> bool:
    """Whether this caller trains now: the training is due and no other instance
    claimed it first (the conditional update lets one win)."""
    claimed = await db.schedules.find_one_and_update(
        {"_id": _TRAINING_SCHEDULE_ID, "nextAt": {"$lte": now}},
        {"$set": {"nextAt": now + interval, "claimedAt": now}},
    )
    return claimed is not None
