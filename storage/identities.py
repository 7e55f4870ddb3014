"""Identities: how a customer is recognised (cookie, email, phone, external id).

The cookie identity also carries the browser's web-session cursor, so the
customer a cookie belongs to and its current session are read in one round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from storage.database import Database
from storage.documents import IdentityDocument
from storage.events import DUPLICATE_KEY


def identity_key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


TURN: Final = "turn"
"""On a cookie identity: which service instance works on the browser's events now, and
until when that claim holds if it is never given back (the instance died)."""
CLAIMS: Final = "web.claims"
"""On a cookie identity: how many turns have been taken on the browser, by any instance.
An instance that finds the number one past the turn it last held knows that nobody has
worked on the browser since."""


async def claim_cookies(
    db: Database, *, cookie_ids: Iterable[str], now: datetime, holder: str, hold_until: datetime
) -> tuple[dict[str, IdentityDocument], set[str]]:
    """Take each browser's turn for `holder` and answer its cookie's identity, creating an
    anonymous customer for cookies seen first; also answer the cookies whose turn another
    holder has (theirs until they give it back or it lapses).

    One browser (every batch the snippet sends) costs one round trip; several cost an
    upsert and a read.
    """
    cookie_ids = sorted(set(cookie_ids))
    if len(cookie_ids) == 1:
        claimed = await _claim_cookie(db, *_cookie_claim(cookie_ids[0], now, holder, hold_until))
        return ({cookie_ids[0]: claimed}, set()) if claimed else ({}, set(cookie_ids))
    if not cookie_ids:
        return {}, set()
    writes = [UpdateOne(*_cookie_claim(cookie, now, holder, hold_until), upsert=True) for cookie in cookie_ids]
    try:
        await db.identities.bulk_write(writes, ordered=False)
        held = set()
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(item.get("code") != DUPLICATE_KEY for item in errors):
            raise
        held = {cookie_ids[item["index"]] for item in errors}
    keys = [identity_key("COOKIE", cookie) for cookie in cookie_ids if cookie not in held]
    return {doc["value"]: doc async for doc in db.identities.find({"_id": {"$in": keys}})}, held


def _cookie_claim(
    cookie: str, now: datetime, holder: str, hold_until: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The filter and update that take a browser's turn on its cookie's identity, creating
    it if new. A turn another holder has matches nothing: the upsert then fails on the _id."""
    return (
        {
            # The value beside the _id lets an embedded store find it by an index.
            "_id": identity_key("COOKIE", cookie), "value": cookie,
            "$or": [{TURN: None}, {f"{TURN}.holder": holder}, {f"{TURN}.until": {"$lt": now}}],
        },
        {
            "$setOnInsert": {
                "type": "COOKIE",
                "customerId": str(uuid.uuid4()),
                "createdAt": now,
            },
            "$set": {TURN: {"holder": holder, "until": hold_until}},
            "$inc": {CLAIMS: 1, "web.seq": 0},  # $inc by 0: a cursor from no session yet
        },
    )


async def _claim_cookie(db: Database, selector: dict[str, Any], update: dict[str, Any]) -> IdentityDocument | None:
    """The identity with the turn taken, or None while another holder has it (or created
    it a moment ago, taking the turn with it)."""
    try:
        return await db.identities.find_one_and_update(
            selector, update, upsert=True, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError:
        return None


async def give_back_turns(db: Database, *, cookie_ids: Iterable[str], holder: str) -> None:
    """Give back the browsers' turns `holder` has (one it lost when it lapsed stays with its taker)."""
    writes = [
        UpdateOne({"_id": identity_key("COOKIE", cookie), f"{TURN}.holder": holder}, {"$unset": {TURN: ""}})
        for cookie in sorted(set(cookie_ids))
    ]
    if writes:
        await db.identities.bulk_write(writes, ordered=False)


async def advance_cursors(
    db: Database, *, cursors: dict[str, tuple[int, datetime | None, bool]], give_back: str | None = None
) -> None:
    """Move each browser's cursor (latest session number, its last activity, whether it
    is closed) on to where a batch left it; with `give_back`, that holder's turns on these
    browsers end in the same statement as the cursor moves, one per browser.

    A turn lost meanwhile (it lapsed, and another holder took it) matches no such
    statement: the cursors are then moved again without one, as the turn's new holder
    finds them either way ($max and a set are the same applied twice)."""
    if not cursors:
        return
    if give_back is None:
        await db.identities.bulk_write(_cursor_moves(cursors), ordered=False)
        return
    result = await db.identities.bulk_write(_cursor_moves(cursors, giving_back=give_back), ordered=False)
    if result.matched_count < len(cursors):
        await db.identities.bulk_write(_cursor_moves(cursors), ordered=False)


def _cursor_moves(
    cursors: dict[str, tuple[int, datetime | None, bool]], *, giving_back: str | None = None
) -> list[UpdateOne]:
    """One statement per browser moving its cursor; `giving_back`: only where that holder
    has the browser's turn, which ends there."""
    writes = []
    for cookie, (seq, last, closed) in cursors.items():
        selector: dict[str, Any] = {"_id": identity_key("COOKIE", cookie)}
        changes: dict[str, Any] = {"$max": {"web.seq": seq, "web.lastActivityAt": last}, "$set": {"web.closed": closed}}
        if giving_back is not None:
            selector[f"{TURN}.holder"] = giving_back
            changes["$unset"] = {TURN: ""}
        writes.append(UpdateOne(selector, changes))
    return writes


async def catch_up_cursors(db: Database, *, latest: dict[str, tuple[int, datetime]]) -> None:
    """Move cursors up to the latest stored session of their browser, where a batch cut
    off before its cursor write left them behind; a cursor ahead stays where it is."""
    if not latest:
        return
    writes = []
    for cookie, (seq, last) in latest.items():
        key = identity_key("COOKIE", cookie)
        # A session opened after the cursor's: the browser's latest session is open again.
        writes.append(UpdateOne({"_id": key, "web.seq": {"$lt": seq}}, {"$set": {"web.closed": False}}))
        writes.append(UpdateOne({"_id": key}, {"$max": {"web.seq": seq, "web.lastActivityAt": last}}))
    await db.identities.bulk_write(writes, ordered=True)


async def find(db: Database, *, kind: str, value: str) -> IdentityDocument | None:
    return await db.identities.find_one({"_id": identity_key(kind, value)})


async def of_customers(db: Database, *, customer_ids: list[str]) -> list[dict[str, Any]]:
    """Oldest first."""
    return await db.identities.find({"customerId": {"$in": customer_ids}}).sort("createdAt", 1).to_list()


async def find_many(db: Database, *, keys: list[str]) -> list[IdentityDocument]:
    return await db.identities.find({"_id": {"$in": keys}}).to_list()


async def attach(
    db: Database, *, customer_id: str, identities: dict[str, str], now: datetime
) -> list[str]:
    """Give a customer these identities. Returns the keys another customer holds already
    (an insert lost to the unique _id): the caller looks again and decides."""
    documents = [
        {"_id": identity_key(kind, value), "type": kind, "value": value,
         "customerId": customer_id, "createdAt": now}
        for kind, value in identities.items()
    ]
    if not documents:
        return []
    try:
        await db.identities.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(item.get("code") != DUPLICATE_KEY for item in errors):
            raise
        taken = [documents[item["index"]]["_id"] for item in errors]
        owners = {doc["_id"]: doc["customerId"] for doc in await find_many(db, keys=taken)}
        return [key for key in taken if owners.get(key) != customer_id]
    return []


async def rotate_cookie(
    db: Database, *, cookie_id: str, from_customer: str, to_customer: str
) -> bool:
    """After a logout: the browser's cookie now names a fresh anonymous customer and its
    next event opens a new session. Conditional, so a repeated logout rotates once."""
    result = await db.identities.update_one(
        {"_id": identity_key("COOKIE", cookie_id), "customerId": from_customer},
        {"$set": {"customerId": to_customer, "web.closed": True}},
    )
    return result.modified_count == 1
