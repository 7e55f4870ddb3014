"""Deployments: the sites allowed to send events, with their allowed origins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.database import Database
from storage.documents import DeploymentDocument

DEFAULT_DEPLOYMENT = "default"


async def ensure_default(db: Database, *, now: datetime) -> None:
    await db.deployments.update_one(
        {"_id": DEFAULT_DEPLOYMENT},
        {"$setOnInsert": {"name": "Default", "allowedOrigins": ["*"], "createdAt": now}},
        upsert=True,
    )


async def find(db: Database, *, deployment_id: str) -> DeploymentDocument | None:
    return await db.deployments.find_one({"_id": deployment_id})


async def upsert(
    db: Database, *, deployment_id: str, name: str, allowed_origins: list[str],
    form_fields: list[str], now: datetime, identity_verification: str | None = None,
) -> DeploymentDocument:
    changes: dict[str, Any] = {
        "name": name, "allowedOrigins": allowed_origins, "formFields": form_fields, "updatedAt": now,
    }
    if identity_verification is not None:
        changes["identityVerification"] = identity_verification
    await db.deployments.update_one(
        {"_id": deployment_id},
        {
            "$set": changes,
            "$setOnInsert": {"createdAt": now},
        },
        upsert=True,
    )
    deployment = await find(db, deployment_id=deployment_id)
    assert deployment is not None, "upserted just above"
    return deployment


async def listing(db: Database) -> list[DeploymentDocument]:
    return await db.deployments.find({}).sort("_id", 1).to_list()


async def set_identity_secret(db: Database, *, deployment_id: str, secret: str, now: datetime) -> bool:
    """True if the deployment exists."""
    result = await db.deployments.update_one(
        {"_id": deployment_id}, {"$set": {"identitySecret": secret, "updatedAt": now}}
    )
    return result.matched_count == 1
