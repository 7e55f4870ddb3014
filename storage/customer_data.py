"""All that is stored about customers, across collections: erased at once, exported at once."""

from __future__ import annotations

from typing import Any

from storage.database import Database
from storage.documents import SessionDocument


async def erase(db: Database, *, customer_ids: list[str]) -> list[SessionDocument]:
    """Deletes the customers with their events, sessions, identities, merges and conflicts.
    Returns the sessions removed."""
    ids = {"$in": customer_ids}
    removed = await db.sessions.find({"customerId": ids}).to_list()
    await db.events.delete_many({"customerId": ids})
    await db.sessions.delete_many({"customerId": ids})
    await db.identities.delete_many({"customerId": ids})
    await db.db.merges.delete_many({"$or": [{"sourceId": ids}, {"targetId": ids}]})
    await db.db.identity_conflicts.delete_many({"$or": [{"customerId": ids}, {"otherCustomerId": ids}]})
    await db.customers.delete_many({"_id": ids})
    return removed


async def export(db: Database, *, customer_id: str, visible_sessions: dict[str, Any]) -> dict[str, Any]:
    """The customer's identities, and only the sessions (and their events) that match
    visible_sessions."""
    own = {"customerId": customer_id}
    shown = await db.sessions.find({**own, **visible_sessions}).sort("startedAt", 1).to_list()
    hidden = [] if not visible_sessions else [
        session["_id"] async for session in db.sessions.find({**own, "$nor": [visible_sessions]}, {"_id": 1})
    ]
    events_shown = {**own, "sessionId": {"$nin": hidden}} if hidden else own
    return {
        "identities": await db.identities.find(own).to_list(),
        "sessions": shown,
        "events": await db.events.find(events_shown, {"identify": 0}).sort([("occurredAt", 1), ("_id", 1)]).to_list(),
    }
