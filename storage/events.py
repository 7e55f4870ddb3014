"""Journey events: one document per item on a journey map."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo.errors import BulkWriteError

from storage.database import Database

DUPLICATE_KEY = 11000


async def existing_dedupe_keys(db: Database, *, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    cursor = db.events.find({"dedupeKey": {"$in": keys}}, {"dedupeKey": 1, "_id": 0})
    return {doc["dedupeKey"] async for doc in cursor}


async def insert_new(db: Database, *, documents: list[dict[str, Any]]) -> set[int]:
    """Insert; return the positions that lost a race to an identical event (duplicates)."""
    if not documents:
        return set()
    try:
        await db.events.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(item.get("code") != DUPLICATE_KEY for item in errors):
            raise
        return {item["index"] for item in errors}
    return set()
