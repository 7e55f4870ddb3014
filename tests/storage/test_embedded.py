"""The embedded store: what the run command starts when no MongoDB URI is given."""

from __future__ import annotations

import pytest
from pymongo import AsyncMongoClient

from storage.database import connect, ensure_indexes
from storage.embedded import EmbeddedStore


@pytest.mark.slow
async def test_sqlite_store_keeps_data_across_restarts(tmp_path):
    path = tmp_path / "journey.sqlite"
    store = EmbeddedStore(engine="sqlite", path=path)
    uri = await store.start()
    client = AsyncMongoClient(uri)
    await client.journey.things.insert_one({"_id": "kept"})
    await client.close()
    await store.stop()

    store = EmbeddedStore(engine="sqlite", path=path)
    uri = await store.start()
    client = AsyncMongoClient(uri)
    try:
        assert await client.journey.things.find_one({"_id": "kept"}) == {"_id": "kept"}
    finally:
        await client.close()
        await store.stop()


async def test_index_creation_is_idempotent_and_follows_the_retention_setting(mongodb_uri):
    db = connect(mongodb_uri, "t_indexes")
    try:
        await ensure_indexes(db, retention_seconds=3600)
        await ensure_indexes(db, retention_seconds=3600)
        await ensure_indexes(db, retention_seconds=7200)
        info = await db.events.index_information()
        assert info["retention"]["expireAfterSeconds"] == 7200
        assert info["dedupe"]["unique"] is True
    finally:
        await db.client.drop_database("t_indexes")
        await db.client.close()
