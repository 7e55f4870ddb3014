"""API keys: only a hash of the secret is stored; the secret is shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.database import Database


async def create(
    db: Database, *, prefix: str, secret_hash: str, name: str,
    permissions: list[str], divisions: list[str], now: datetime,
) -> dict[str, Any]:
    record = {
        "_id": prefix,
        "prefix": prefix,
        "secretHash": secret_hash,
        "name": name,
        "permissions": sorted(set(permissions)),
        "divisions": sorted(set(divisions)),
        "createdAt": now,
        "revokedAt": None,
    }
    await db.api_keys.insert_one(record)
    return record


async def active(db: Database, *, prefix: str) -> dict[str, Any] | None:
    """The key with this prefix, unless revoked; with its secret's hash."""
    return await db.api_keys.find_one({"prefix": prefix, "revokedAt": None})


async def revoke(db: Database, *, prefix: str, now: datetime) -> bool:
    result = await db.api_keys.update_one(
        {"_id": prefix, "revokedAt": None}, {"$set": {"revokedAt": now}}
    )
    return result.modified_count == 1


async def listing(db: Database) -> list[dict[str, Any]]:
    return await db.api_keys.find({}, {"secretHash": 0}).sort("createdAt", 1).to_list()


async def revoked_count(db: Database) -> int:
    """Grows with every revocation (keys are never un-revoked or deleted): instances
    compare it to learn that a key they may have cached was revoked elsewhere."""
    return await db.api_keys.count_documents({"revokedAt": {"$ne": None}})
