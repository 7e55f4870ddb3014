"""Customers: one per anonymous browser until identity stitching joins them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from storage.database import Database
from storage.documents import CustomerDocument
from storage.events import DUPLICATE_KEY

COUNTED = "countedBatches"
"""Tokens of the batches whose counters a customer has applied."""
MAX_COUNTED = 64
BEFORE = "historyBefore"
"""The history summary as the latest batch that opened sessions read it, with its token."""


async def touch(
    db: Database,
    *,
    seen: dict[str, datetime],
    now: datetime,
    sets: dict[str, dict[str, Any]] | None = None,
    pushes: dict[str, dict[str, list[Any]]] | None = None,
    counters: dict[str, Any] | None = None,
) -> None:
    """Create customers seen for the first time and move their last-seen time on.

    `sets` and `pushes`, by customer id, are the fields the batch replaces and the
    arrays it appends to (visit traits, customer-scope segments); `counters` (each with
    increments, maxima and bits by field path) what it adds to counts, latest times
    and bit sets."""
    if not seen:
        return
    sets, pushes, counters = sets or {}, pushes or {}, counters or {}
    updates = [
        _touch_one(customer_id, moment, now, sets.get(customer_id), pushes.get(customer_id, {}),
                   counters.get(customer_id))
        for customer_id, moment in seen.items()
    ]
    for _ in range(2):
        try:
            await db.customers.bulk_write(updates, ordered=False)
            return
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(item.get("code") != DUPLICATE_KEY for item in errors):
                raise
            # Counted already, or a customer another writer created at the same moment:
            # the second try updates the latter and fails again on the former.
            updates = [updates[item["index"]] for item in errors]


def _touch_one(
    customer_id: str, moment: datetime, now: datetime, sets: dict[str, Any] | None,
    pushes: dict[str, list[Any]], counted: Any,
) -> UpdateOne:
    changes: dict[str, Any] = {
        "$setOnInsert": {"createdAt": now, "identified": False, "traits": {}},
        "$max": {"lastSeenAt": moment},
    }
    if sets:
        changes["$set"] = sets
    # A set, not a push: the retry of a batch cut off after this write adds nothing.
    appended = {name: {"$each": values} for name, values in pushes.items() if values}
    if appended:
        changes["$addToSet"] = appended
    selector: dict[str, Any] = {"_id": customer_id}
    if counted:
        # Counts must move once per batch: the update records its batch's token and
        # only applies where the token is not recorded yet. Where it is, the upsert
        # fails on the _id instead (everything else here was applied with it).
        _add_counters(changes, counted.increments, counted.maxima, counted.bits)
        changes.setdefault("$push", {})[COUNTED] = {"$each": [counted.batch], "$slice": -MAX_COUNTED}
        if counted.before is not None:
            changes.setdefault("$set", {})[BEFORE] = {"batch": counted.batch, "history": counted.before}
        selector[COUNTED] = {"$ne": counted.batch}
    return UpdateOne(selector, changes, upsert=True)


def _add_counters(
    changes: dict[str, Any], increments: dict[str, int], maxima: dict[str, Any], bits: dict[str, int]
) -> None:
    if increments:
        changes["$inc"] = {**changes.get("$inc", {}), **increments}
    if maxima:
        changes["$max"] = {**changes.get("$max", {}), **maxima}
    if bits:
        changes["$bit"] = {path: {"or": value} for path, value in bits.items()}


async def histories(
    db: Database, *, tokens: dict[str, str], field: str
) -> dict[str, dict[str, Any]]:
    """`field` of each customer (by id, with the token of the batch that asks; empty when
    it has none), as it was before that batch: a batch cut off after it moved the counters finds its token
    recorded, and the copy it kept of what it read."""
    if not tokens:
        return {}
    cursor = db.customers.find({"_id": {"$in": sorted(tokens)}}, {field: 1, COUNTED: 1, BEFORE: 1})
    found: dict[str, dict[str, Any]] = {key: {} for key in tokens}  # a customer not stored yet has none
    async for doc in cursor:
        before = doc.get(BEFORE) or {}
        if tokens[doc["_id"]] in doc.get(COUNTED, []) and before.get("batch") == tokens[doc["_id"]]:
            found[doc["_id"]] = before.get("history") or {}
        else:
            found[doc["_id"]] = doc.get(field) or {}
    return found


async def by_ids(db: Database, *, ids: list[str]) -> list[dict[str, Any]]:
    return await db.customers.find({"_id": {"$in": ids}}).to_list()


async def find(db: Database, *, customer_id: str) -> CustomerDocument | None:
    return await db.customers.find_one({"_id": customer_id})


async def mark_identified(
    db: Database, *, customer_id: str, traits: dict[str, Any], now: datetime
) -> None:
    update: dict[str, Any] = {"identified": True, "identifiedAt": now}
    update.update({f"traits.{key}": value for key, value in traits.items()})
    await db.customers.update_one({"_id": customer_id}, {"$set": update})


MAX_CLAIMS = 20


async def add_claims(
    db: Database, *, customer_id: str, claimed: dict[str, str], traits: dict[str, Any],
    claimed_at: datetime, event_key: str,
) -> None:
    """Unverified identities, newest last, at most MAX_CLAIMS kept; the claims of one event
    are added once, however often a cut-off batch carrying it is retried."""
    claims = [{"type": kind, "value": value, "createdAt": claimed_at, "event": event_key}
              for kind, value in claimed.items()]
    changes: dict[str, Any] = {"$push": {"claims": {"$each": claims, "$slice": -MAX_CLAIMS}}}
    if traits:
        changes["$set"] = {f"traits.{key}": value for key, value in traits.items()}
    await db.customers.update_one({"_id": customer_id, "claims.event": {"$ne": event_key}}, changes)


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


async def absorb(
    db: Database, *, target_id: str, source: CustomerDocument, counters: Any = None, merge_id: Any = None
) -> None:
    """What a merged customer knew that is not in its sessions: its customer-scope
    segments, `counters` (what its counters add, see touch; once per `merge_id`), and
    its latest visit's traits when it was seen last."""
    changes: dict[str, Any] = {}
    if source.get("segments"):
        changes["$addToSet"] = {"segments": {"$each": source["segments"]}}
    if source.get("lastSeenAt"):
        changes["$max"] = {"lastSeenAt": source["lastSeenAt"]}
    if changes:
        await db.customers.update_one({"_id": target_id}, changes)
    if counters:
        # Once per merge, though a merge cut off halfway is carried out again.
        token = f"merge:{merge_id}"
        counted: dict[str, Any] = {"$push": {COUNTED: {"$each": [token], "$slice": -MAX_COUNTED}}}
        _add_counters(counted, counters.increments, counters.maxima, counters.bits)
        await db.customers.update_one({"_id": target_id, COUNTED: {"$ne": token}}, counted)
    if source.get("visitTraits") and source.get("lastSeenAt"):
        await db.customers.update_one(
            {"_id": target_id, "$or": [{"lastSeenAt": {"$lte": source["lastSeenAt"]}}, {"lastSeenAt": None}]},
            {"$set": {"visitTraits": source["visitTraits"]}},
        )
