"""When periodic work that one instance at a time carries out is next due."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.database import Database


async def start(db: Database, schedule_id: str, *, first_at: datetime) -> None:
    """Start the schedule, unless an instance started it before."""
    await db.schedules.update_one({"_id": schedule_id}, {"$setOnInsert": {"nextAt": first_at}}, upsert=True)


async def claim(db: Database, schedule_id: str, *, now: datetime, interval: timedelta) -> bool:
    """Whether this caller does the work now: it is due and no other instance claimed it
    first (the conditional update lets one win)."""
    claimed = await db.schedules.find_one_and_update(
        {"_id": schedule_id, "nextAt": {"$lte": now}},
        {"$set": {"nextAt": now + interval, "claimedAt": now}},
    )
    return claimed is not None
