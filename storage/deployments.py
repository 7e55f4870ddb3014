"""Deployments: the sites allowed to send events, with their allowed origins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.database import Database

DEFAULT_DEPLOYMENT = "default"


async def ensure_default(db: Database, *, now: datetime) -> None:
    await db.deployments.update_one(
        {"_id": DEFAULT_DEPLOYMENT},
        {"$setOnInsert": {"name": "Default", "allowedOrigins": ["*"], "createdAt": now}},
        upsert=True,
    )


async def find(db: Database, *, deployment_id: str) -> dict[str, Any] | None:
    return await db.deployments.find_one({"_id": deployment_id})
