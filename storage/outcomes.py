"""Outcomes: their definitions (see storage.definitions) and their trained models, which
move the same version counter, so every instance reloads both together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.database import Database
from storage.definitions import VersionedDefinitions

OUTCOMES = VersionedDefinitions("outcomes", kept_with=("outcome_models",))
"""A new revision of an outcome retires its model too: the catalog only loads a model
trained for the outcome's current revision."""
TRAINING_SCHEDULE = "outcome-training"


async def models(db: Database) -> list[dict[str, Any]]:
    """The latest model of each outcome, with the revision it was trained for."""
    return await db.outcome_models.find({}).to_list()


async def save_model(
    db: Database, *, outcome_id: str, revision: int, model: dict[str, Any], now: datetime
) -> None:
    await db.outcome_models.replace_one(
        {"_id": outcome_id},
        {"_id": outcome_id, "revision": revision, "model": model, "savedAt": now},
        upsert=True,
    )
    await OUTCOMES.changed(db)
