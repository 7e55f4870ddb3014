"""Stored journeys read back whole, for outcome models to learn from."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from storage.database import Database

_CHUNK = 500
"""Sessions per read of their items: bounds the size of one query."""
_DERIVED_KINDS = ["SEGMENT_MATCHED", "OUTCOME_ACHIEVED"]
_ITEM_FIELDS = {
    "_id": 0, "sessionId": 1, "clientEventId": 1, "kind": 1, "name": 1, "occurredAt": 1,
    "page": 1, "query": 1, "attributes": 1, "features": 1,
}
"""What an outcome's conditions read from an event, and the features stored after it."""


async def ended_sessions(db: Database, *, idle_before: datetime, limit: int) -> list[dict[str, Any]]:
    """The latest web sessions idle since `idle_before`: they can no longer achieve anything."""
    return await (
        db.sessions.find({"type": "WEB", "lastActivityAt": {"$lt": idle_before}}, {"context": 1, "lastActivityAt": 1})
        .sort([("lastActivityAt", -1), ("_id", -1)])
        .limit(limit)
        .to_list()
    )


async def tracked_items(db: Database, *, session_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each session's tracked items (not the matches the system added), in map order."""
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(session_ids), _CHUNK):
        cursor = db.events.find(
            {"sessionId": {"$in": session_ids[start:start + _CHUNK]}, "kind": {"$nin": _DERIVED_KINDS}},
            _ITEM_FIELDS,
        ).sort([("sessionId", 1), ("occurredAt", 1), ("_id", 1)])
        async for item in cursor:
            by_session[item["sessionId"]].append(item)
    return by_session
