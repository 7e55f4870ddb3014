"""Stored journeys read back whole, for outcome models to learn from."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime
from typing import Any

from storage.database import Database

_CHUNK = 500
"""Sessions per read of their items: bounds the size of one query."""
_DERIVED_KINDS = ["SEGMENT_MATCHED", "OUTCOME_ACHIEVED"]
_ITEM_FIELDS = {
    "_id": 1, "sessionId": 1, "clientEventId": 1, "kind": 1, "name": 1, "occurredAt": 1,
    "page": 1, "query": 1, "attributes": 1, "features": 1,
}
"""What an outcome's conditions read from an event, and the features stored after it."""


async def ended_sessions(db: Database, *, idle_before: datetime, limit: int) -> list[dict[str, Any]]:
    """The latest web sessions idle since `idle_before`: they can no longer achieve anything.

    The `$type` changes nothing on MongoDB (a bound by a date matches only dates there);
    it lets an embedded store read the latest of them in the order of an index on
    `lastActivityAt`, where it would otherwise read and sort every session."""
    idle = {"$type": "date", "$lt": idle_before}
    return await (
        db.sessions.find({"type": "WEB", "lastActivityAt": idle}, {"context": 1, "lastActivityAt": 1})
        .sort([("lastActivityAt", -1), ("_id", -1)])
        .limit(limit)
        .to_list()
    )


async def tracked_items(db: Database, *, session_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each session's tracked items (not the matches the system added), in map order.

    One lookup per session, led by an equality on it and sorted here, at most _CHUNK at
    once: an embedded store serves that from an index, where a bare `$in` or a sort
    reads every event. Each session is read whole either way."""
    ordered = sorted(set(session_ids))
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        found = await asyncio.gather(*(
            db.events.find({"sessionId": session_id, "kind": {"$nin": _DERIVED_KINDS}}, _ITEM_FIELDS).to_list()
            for session_id in chunk
        ))
        for session_id, items in zip(chunk, found, strict=True):
            if items:
                items.sort(key=lambda item: (item["occurredAt"], item["_id"]))
                by_session[session_id] = [{k: v for k, v in item.items() if k != "_id"} for item in items]
    return by_session
