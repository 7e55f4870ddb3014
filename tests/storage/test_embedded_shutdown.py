"""The SQLite store stops cleanly right after a burst of writes, and keeps every write
it acknowledged, also when the file was busy while the engine renewed its change
consumers' registrations."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient, UpdateOne

from storage.embedded import EmbeddedStore

_PROJECT = Path(__file__).resolve().parents[2]
# The engine renews the registrations once a minute; the store here renews them at once,
# so that a renewal meets the file while another writer holds it.
_STORE_RENEWING_OFTEN = """
import sys
import mongoeco.engines.sqlite as engine
engine._EPHEMERAL_CHANGE_CONSUMER_HEARTBEAT_SECONDS = 0.05
from storage import embedded_server
sys.argv = ["embedded_server", *sys.argv[1:]]
embedded_server.main()
"""
# Longer than the engine's wait for a busy file (sqlite3's default timeout, 5 s).
_HELD_SECONDS = 5.5
_BURSTS = 3


async def _burst(uri: str, first: int) -> list[str]:
    client: AsyncMongoClient = AsyncMongoClient(uri)
    try:
        db = client.journey
        ids = [f"e{n}" for n in range(first, first + 300)]
        await db.events.insert_many([{"_id": event_id, "n": first} for event_id in ids])
        await db.sessions.bulk_write(
            [UpdateOne({"_id": f"s{n}"}, {"$set": {"last": n}}, upsert=True) for n in range(first, first + 300)]
        )
        return ids
    finally:
        await client.close()


@pytest.mark.slow
async def test_store_stops_cleanly_after_writes_and_keeps_them(tmp_path):
    path = tmp_path / "journey.sqlite"
    acknowledged: list[str] = []
    for burst in range(_BURSTS):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _STORE_RENEWING_OFTEN, "--engine", "sqlite", "--path", str(path),
            "--port", "0", "--exit-with-parent",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            cwd=_PROJECT,
        )
        assert process.stdout is not None and process.stdin is not None
        uri = (await process.stdout.readline()).decode().strip()
        assert uri.startswith("mongodb://"), uri
        acknowledged += await _burst(uri, burst * 1000)

        # Another writer holds the file while the store renews its registrations.
        other = sqlite3.connect(path, timeout=30)
        other.execute("BEGIN IMMEDIATE")
        await asyncio.sleep(_HELD_SECONDS)
        other.rollback()
        other.close()

        acknowledged += await _burst(uri, burst * 1000 + 500)
        if burst % 2:
            process.stdin.close()  # as when the service that started it goes
        else:
            process.terminate()  # as EmbeddedStore.stop does, its standard input still open
        _, stderr = await process.communicate()
        assert stderr.decode() == ""
        assert process.returncode == 0

    store = EmbeddedStore(engine="sqlite", path=path)
    client: AsyncMongoClient = AsyncMongoClient(await store.start())
    try:
        stored = {doc["_id"] async for doc in client.journey.events.find({}, {"_id": 1})}
        assert stored == set(acknowledged)
        assert await client.journey.sessions.count_documents({}) == _BURSTS * 600
    finally:
        await client.close()
        await store.stop()
