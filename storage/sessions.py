"""Sessions: the cards of a customer. Counters move with atomic operators only, so
concurrent batches for one session never lose an update, and each batch part is applied
once: a session records the tokens of the batch parts it has applied, and an update
whose token is recorded already changes nothing (a retried batch counts nothing twice)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError

from storage.database import Database
from storage.documents import SessionDocument
from storage.events import DUPLICATE_KEY
from storage.pages import after_filter

MAX_SEARCHES = 200
APPLIED: Final = "appliedBatches"
MAX_APPLIED = 64
"""Tokens kept per session: a batch cut off is retried long before this many more arrive."""


@dataclass(slots=True)
class SessionDelta:
    """What one ingest batch adds to one web session."""

    session_id: str
    customer_id: str
    cookie_id: str
    deployment_id: str
    seq: int
    started_at: datetime
    last_activity_at: datetime
    batch: str = ""
    """This batch part's token (see storage.events), set once its events are known."""
    events: int = 0
    pageviews: int = 0
    last_page: dict[str, Any] | None = None
    searches: list[dict[str, Any]] = field(default_factory=list)
    on_insert: dict[str, Any] = field(default_factory=dict)
    """Fields a new session starts with (its visit context, say)."""
    sets: dict[str, Any] = field(default_factory=dict)
    """Fields this batch replaces (evaluation state, say)."""
    pushes: dict[str, list[Any]] = field(default_factory=dict)
    """Arrays this batch appends to (segment assignments, say)."""
    increments: dict[str, int] = field(default_factory=dict)
    """Counters this batch adds to, by dotted path (progress toward segments, say)."""
    maxes: dict[str, Any] = field(default_factory=dict)
    """Fields this batch raises to at least a value, by dotted path (clocks, say)."""
    bits_or: dict[str, int] = field(default_factory=dict)
    """Integer fields this batch sets bits in, by dotted path (a sketch of pages seen, say)."""

    def update(self) -> UpdateOne:
        sets = dict(self.sets)
        if self.last_page is not None:
            sets["lastPage"] = self.last_page
        on_insert = {
            "customerId": self.customer_id,
            "deploymentId": self.deployment_id,
            "type": "WEB",
            "seq": self.seq,
            "divisionId": None,
            "status": "ACTIVE",
            **self.on_insert,
        }
        changes: dict[str, Any] = {
            # A field both set and set on insert is refused as a conflict; the set wins.
            "$setOnInsert": {name: value for name, value in on_insert.items() if name not in sets},
            "$min": {"startedAt": self.started_at},
            "$max": {"lastActivityAt": self.last_activity_at, **self.maxes},
            "$inc": {"eventCount": self.events, "pageviewCount": self.pageviews, **self.increments},
        }
        if sets:
            changes["$set"] = sets
        if self.bits_or:
            changes["$bit"] = {path: {"or": value} for path, value in self.bits_or.items()}
        pushes: dict[str, dict[str, Any]] = {name: {"$each": values} for name, values in self.pushes.items() if values}
        if self.searches:
            pushes["searches"] = {"$each": self.searches, "$slice": -MAX_SEARCHES}
        pushes[APPLIED] = {"$each": [self.batch], "$slice": -MAX_APPLIED}
        changes["$push"] = pushes
        # The cookie beside the _id (it names the session's browser: an inserted session
        # takes it from here) lets an embedded store find the session by an index.
        return UpdateOne(
            {"_id": self.session_id, "cookieId": self.cookie_id, APPLIED: {"$ne": self.batch}}, changes, upsert=True
        )


async def apply(db: Database, *, deltas: Iterable[SessionDelta]) -> None:
    """Apply each delta once. An update that finds its token recorded tries to insert
    the session and fails on its _id: nothing to do. The same failure also meets the
    loser of two writers opening one session at once: its second try finds the session."""
    updates = [delta.update() for delta in deltas]
    for _ in range(2):
        if not updates:
            return
        try:
            await db.sessions.bulk_write(updates, ordered=False)
            return
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(item.get("code") != DUPLICATE_KEY for item in errors):
                raise
            updates = [updates[item["index"]] for item in errors]


async def applied(db: Database, *, ids: list[str]) -> dict[str, SessionDocument]:
    """The batch tokens, number and last activity of these sessions."""
    if not ids:
        return {}
    cursor = db.sessions.find({"_id": {"$in": ids}}, {APPLIED: 1, "seq": 1, "cookieId": 1, "lastActivityAt": 1})
    return {doc["_id"]: doc async for doc in cursor}


async def by_ids(db: Database, *, ids: list[str], match: dict[str, Any] | None = None) -> list[SessionDocument]:
    """match: a filter the sessions must pass too (a caller's division visibility)."""
    if not ids:
        return []
    return await db.sessions.find({"_id": {"$in": ids}, **(match or {})}).to_list()


async def started_since(db: Database, *, since: datetime) -> list[dict[str, Any]]:
    """The context and last activity of every session started at or after `since`."""
    return await db.sessions.find({"startedAt": {"$gte": since}}, {"context": 1, "lastActivityAt": 1}).to_list()


async def find_web(db: Database, *, session_id: str) -> dict[str, Any] | None:
    return await db.sessions.find_one({"_id": session_id, "type": "WEB"})


async def stale(db: Database, *, idle_before: datetime, limit: int) -> list[str]:
    cursor = db.sessions.find(
        {"status": "ACTIVE", "lastActivityAt": {"$lt": idle_before}}, {"_id": 1}
    ).limit(limit)
    return [doc["_id"] async for doc in cursor]


async def end_if_idle(
    db: Database, *, session_id: str, idle_before: datetime | None, now: datetime
) -> SessionDocument | None:
    """Mark a session INACTIVE if it is still active (and idle since `idle_before`, when
    given). Only one caller wins; the winner publishes the change."""
    condition: dict[str, Any] = {"_id": session_id, "status": "ACTIVE"}
    if idle_before is not None:
        condition["lastActivityAt"] = {"$lt": idle_before}
    return await db.sessions.find_one_and_update(
        condition,
        {"$set": {"status": "INACTIVE", "endedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


def idle_cutoff(now: datetime, timeout_seconds: int) -> datetime:
    return now - timedelta(seconds=timeout_seconds)


async def live(
    db: Database, *, idle_before: datetime, limit: int, after: tuple | None
) -> list[dict[str, Any]]:
    """Active web sessions (not idle since `idle_before`), newest first."""
    order = [("startedAt", -1), ("_id", -1)]
    query: dict[str, Any] = {
        "type": "WEB",
        "status": "ACTIVE",
        "lastActivityAt": {"$gte": idle_before},
    }
    if after is not None:
        # Beside the equalities, not nested under an $and with them: an embedded store
        # narrows a read by an indexed equality only at the top of its filter.
        query |= after_filter(order, list(after))
    return await db.sessions.find(query).sort(order).limit(limit).to_list()


async def mark_authenticated(db: Database, *, session_id: str) -> None:
    """The visitor identified during this session: segments on `authenticated` see it."""
    await db.sessions.update_one({"_id": session_id}, {"$set": {"context.authenticated": True}})
