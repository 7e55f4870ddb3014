"""Journey events: one document per item on a journey map.

An event stored by the pipeline carries the token of the batch part that stored it
(`ingestBatch`); its session records the tokens it has applied. An event whose token
its session lacks was stored by a batch cut off before the session was written: the
retry of that batch completes it rather than calling it a duplicate."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from storage.database import Database
from storage.documents import EventDocument, StoredEventRef

DUPLICATE_KEY = 11000
BATCH: Final = "ingestBatch"
_STORED_FIELDS = {"_id": 1, "dedupeKey": 1, "sessionId": 1, "type": 1, BATCH: 1, "acted": 1}


async def stored(db: Database, *, documents: Iterable[EventDocument]) -> dict[str, StoredEventRef]:
    """The stored events among these (by their dedupe key): their id, session, type, batch
    token and whether their identity action was carried out.

    One lookup per browser, led by an equality on its cookie: an embedded store serves
    that from an index where a bare `$in` reads the whole collection."""
    by_cookie: dict[str, list[str]] = defaultdict(list)
    for doc in documents:
        by_cookie[doc["cookieId"]].append(doc["dedupeKey"])
    found = await asyncio.gather(*(
        db.events.find({"cookieId": cookie, "dedupeKey": {"$in": keys}}, _STORED_FIELDS).to_list()
        for cookie, keys in by_cookie.items()
    ))
    return {doc["dedupeKey"]: doc for docs in found for doc in docs}


async def upsert(db: Database, *, documents: list[EventDocument], reclaimed: set[str]) -> set[int]:
    """Store each document under its dedupe key unless one is stored already; return the
    positions whose key another batch holds (duplicates that lost a race).

    A document stored by this same batch part before a cut is found again and is not a
    duplicate; `reclaimed` keys (stored by a cut-off batch part with another token) are
    taken over by this one. Such a document takes the stored one's id, so that pushed
    again it names the item a journey map shows already."""
    if not documents:
        return set()
    inserted = await _upserted(db, [_keyed_upsert(doc, reclaimed=doc["dedupeKey"] in reclaimed) for doc in documents])
    found = [position for position in range(len(documents)) if position not in inserted]
    if not found:
        return set()
    holders = await stored(db, documents=(documents[position] for position in found))
    lost = set()
    for position in found:
        document = documents[position]
        if _token_of(holders, document) == document[BATCH]:
            document["_id"] = holders[document["dedupeKey"]]["_id"]
        else:
            lost.add(position)
    return lost


async def insert_all_or_none(db: Database, *, documents: list[EventDocument]) -> bool:
    """Insert the documents, each under its dedupe key, if none of the keys is stored yet;
    whether they were. One round trip; where a key was stored, a second one removes again
    what the first inserted, so that the caller can look at what was there before and
    store the batch as a retry would (see `stored`).

    Upserts keyed on the dedupe key, not an insert: the embedded store serves those from
    the key's index, where its insert checks uniqueness at a cost that grows with the
    collection."""
    if not documents:
        return True
    inserted = await _upserted(db, [_keyed_upsert(doc, reclaimed=False) for doc in documents])
    if len(inserted) == len(documents):
        return True
    if inserted:
        await db.events.delete_many({"_id": {"$in": [documents[position]["_id"] for position in inserted]}})
    return False


def _keyed_upsert(doc: EventDocument, *, reclaimed: bool) -> UpdateOne:
    changes: dict[str, Any] = {"$setOnInsert": {k: v for k, v in doc.items() if k != "dedupeKey"}}
    if reclaimed:
        changes["$setOnInsert"].pop(BATCH)
        changes["$set"] = {BATCH: doc[BATCH]}
    return UpdateOne({"dedupeKey": doc["dedupeKey"]}, changes, upsert=True)


async def _upserted(db: Database, writes: list[UpdateOne]) -> set[int]:
    """The positions of the writes that inserted their document."""
    try:
        result = await db.events.bulk_write(writes, ordered=False)
        return set(result.upserted_ids or ())
    except BulkWriteError as error:
        # Two writers inserting one key at once: the loser's upsert fails on the unique index.
        if any(item.get("code") != DUPLICATE_KEY for item in error.details.get("writeErrors", [])):
            raise
        return {item["index"] for item in error.details.get("upserted", [])}


def _token_of(holders: dict[str, StoredEventRef], document: EventDocument) -> str | None:
    """The batch token of the stored event holding the document's key."""
    holder = holders.get(document["dedupeKey"])
    return None if holder is None else holder.get(BATCH)


async def mark_acted(db: Database, *, dedupe_key: str) -> None:
    """The identity action of an identify or logout event was carried out."""
    await db.events.update_one({"dedupeKey": dedupe_key}, {"$set": {"acted": True}})


async def insert_new(db: Database, *, documents: list[EventDocument]) -> set[int]:
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
