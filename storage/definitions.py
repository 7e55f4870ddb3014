"""Definitions admins write and every instance caches (segments, outcomes): their
documents, and the version counter that tells every instance to reload them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from storage.database import Database


@dataclass(frozen=True, slots=True)
class VersionedDefinitions:
    name: str
    """The collection, and the id of its version counter."""
    kept_with: tuple[str, ...] = ()
    """Collections holding one document per definition, under its id, that go when it goes."""

    def _collection(self, db: Database) -> AsyncCollection:
        return db.db[self.name]

    async def listing(self, db: Database) -> list[dict[str, Any]]:
        """Every definition, oldest first."""
        return await self._collection(db).find({}).sort([("createdAt", 1), ("_id", 1)]).to_list()

    async def find(self, db: Database, definition_id: str) -> dict[str, Any] | None:
        return await self._collection(db).find_one({"_id": definition_id})

    async def count(self, db: Database) -> int:
        return await self._collection(db).count_documents({})

    async def create(self, db: Database, *, definition: dict[str, Any], now: datetime) -> dict[str, Any]:
        doc = {
            "_id": str(ObjectId()),
            **definition,
            "active": True,
            "revision": 1,
            "createdAt": now,
            "updatedAt": now,
        }
        await self._collection(db).insert_one(doc)
        await self.changed(db)
        return doc

    async def update(
        self, db: Database, definition_id: str, *, changes: dict[str, Any], new_revision: bool, now: datetime
    ) -> dict[str, Any] | None:
        """Apply `changes`; `new_revision` restarts every session's progress toward the
        definition (its conditions changed, so old counts no longer mean anything)."""
        update_doc: dict[str, Any] = {"$set": {**changes, "updatedAt": now}}
        if new_revision:
            update_doc["$inc"] = {"revision": 1}
        doc = await self._collection(db).find_one_and_update(
            {"_id": definition_id}, update_doc, return_document=ReturnDocument.AFTER
        )
        if doc is not None:
            await self.changed(db)
        return doc

    async def delete(self, db: Database, definition_id: str) -> bool:
        result = await self._collection(db).delete_one({"_id": definition_id})
        if not result.deleted_count:
            return False
        for name in self.kept_with:
            await db.db[name].delete_one({"_id": definition_id})
        await self.changed(db)
        return True

    async def version(self, db: Database) -> int:
        doc = await db.versions.find_one({"_id": self.name})
        return doc["n"] if doc else 0

    async def changed(self, db: Database) -> None:
        """Move the version counter. Written after the change itself, so an instance that
        reads the new version also reads the change."""
        await db.versions.update_one({"_id": self.name}, {"$inc": {"n": 1}}, upsert=True)
