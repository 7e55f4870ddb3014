"""Customers: one per anonymous browser until identity stitching joins them."""

from __future__ import annotations

from datetime import datetime

from pymongo import UpdateOne

from storage.database import Database


async def touch(db: Database, *, seen: dict[str, datetime], now: datetime) -> None:
    """Create customers seen for the first time and move their last-seen time on."""
    if not seen:
        return
    await db.customers.bulk_write(
        [
            UpdateOne(
                {"_id": customer_id},
                {
                    "$setOnInsert": {"createdAt": now, "identified": False, "traits": {}},
                    "$max": {"lastSeenAt": moment},
                },
                upsert=True,
            )
            for customer_id, moment in seen.items()
        ],
        ordered=False,
    )
