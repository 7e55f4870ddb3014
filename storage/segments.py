"""Segments: their definitions (see storage.definitions), and the customer-scope
assignments kept on customers."""

from __future__ import annotations

from typing import Any

from storage.database import Database
from storage.definitions import VersionedDefinitions

SEGMENTS = VersionedDefinitions("segments")


async def customer_assignments(
    db: Database, *, customer_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The customer-scope assignments of each customer, in the order they were made."""
    if not customer_ids:
        return {}
    cursor = db.customers.find({"_id": {"$in": customer_ids}}, {"segments": 1})
    return {doc["_id"]: doc.get("segments") or [] async for doc in cursor}
