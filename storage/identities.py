"""Identities: how a customer is recognised (cookie, email, phone, external id).

The cookie identity also carries the browser's web-session cursor, so the
customer a cookie belongs to and its current session are read in one round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import UpdateOne

from storage.database import Database


def identity_key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


async def claim_cookies(
    db: Database, *, cookie_ids: Iterable[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """Each cookie's identity, creating an anonymous customer for cookies seen first.

    Upsert then read: under a race, both writers read back the single winner.
    """
    cookie_ids = sorted(set(cookie_ids))
    if not cookie_ids:
        return {}
    await db.identities.bulk_write(
        [
            UpdateOne(
                {"_id": identity_key("COOKIE", cookie)},
                {
                    "$setOnInsert": {
                        "type": "COOKIE",
                        "value": cookie,
                        "customerId": str(uuid.uuid4()),
                        "createdAt": now,
                        "web": {"seq": 0},
                    }
                },
                upsert=True,
            )
            for cookie in cookie_ids
        ],
        ordered=False,
    )
    keys = [identity_key("COOKIE", cookie) for cookie in cookie_ids]
    return {doc["value"]: doc async for doc in db.identities.find({"_id": {"$in": keys}})}


async def advance_cursors(db: Database, *, cursors: dict[str, tuple[int, datetime]]) -> None:
    if not cursors:
        return
    await db.identities.bulk_write(
        [
            UpdateOne(
                {"_id": identity_key("COOKIE", cookie)},
                {"$max": {"web.seq": seq, "web.lastActivityAt": last}},
            )
            for cookie, (seq, last) in cursors.items()
        ],
        ordered=False,
    )


async def for_customers(db: Database, *, customer_ids: list[str]) -> list[dict[str, Any]]:
    return await db.identities.find({"customerId": {"$in": customer_ids}}).to_list()


async def find(db: Database, *, kind: str, value: str) -> dict[str, Any] | None:
    return await db.identities.find_one({"_id": identity_key(kind, value)})
