"""Corrections 7 and 8 of the embedded store: a write command of several documents is one
SQLite transaction, with what every command answers and keeps unchanged (ordered and
unordered, with documents refused midway) and none of its documents kept when the store
dies during it; written documents are checked for tagged values as before."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bson import Decimal128, ObjectId
from bson.son import SON
from mongoeco.engines import SQLiteEngine
from pymongo import AsyncMongoClient, DeleteMany, DeleteOne, InsertOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError

from storage import embedded_corrections, embedded_writes
from storage.database import Database
from tests.support.sqlite_work import sqlite_store

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
pytestmark = pytest.mark.skipif(
    not embedded_corrections.applicable(), reason="corrections are written for one mongoeco version"
)


@contextmanager
def commits_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The SQLite transactions committed by every connection opened from here on."""
    commits = [0]
    opened = sqlite3.connect

    def counted(statement: str) -> None:
        if statement.strip().upper().startswith("COMMIT"):
            commits[0] += 1

    def connect_counted(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = opened(*args, **kwargs)
        connection.set_trace_callback(counted)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect_counted)
    yield commits


async def outcome(action) -> Any:
    """What a client sees of a write: its result, or its error's details."""
    try:
        result = await action
    except BulkWriteError as error:
        details = error.details
        return ("bulk error", [(e["index"], e["code"]) for e in details["writeErrors"]],
                {k: details[k] for k in ("nInserted", "nMatched", "nModified", "nRemoved", "nUpserted")},
                [(u["index"], u["_id"]) for u in details.get("upserted", [])])
    except PyMongoError as error:
        return ("error", type(error).__name__, getattr(error, "code", None))
    if hasattr(result, "bulk_api_result"):
        api = result.bulk_api_result
        return {k: v for k, v in api.items() if k != "upserted"} | {
            "upserted": [(u["index"], u["_id"]) for u in api.get("upserted", [])]}
    return getattr(result, "raw_result", result)


async def write_commands(db: Database) -> list[Any]:
    """Commands of several documents: refused ones midway (ordered and not), the same new
    key upserted twice, one document updated twice, reads of what earlier documents of
    the same command wrote; then everything stored."""
    events, sessions = db.events, db.sessions
    seen = [
        await outcome(events.bulk_write([UpdateOne(
            {"dedupeKey": f"d/{n}"}, {"$setOnInsert": {"_id": f"e{n}", "cookieId": f"c{n % 3}", "occurredAt": NOW}},
            upsert=True) for n in range(8)])),
    ]
    for ordered in (True, False):
        seen.append(await outcome(events.bulk_write([
            UpdateOne({"dedupeKey": f"o{ordered}/1"}, {"$setOnInsert": {"_id": f"o{ordered}1"}}, upsert=True),
            UpdateOne({"dedupeKey": f"o{ordered}/2"}, {"$setOnInsert": {"_id": "e3"}}, upsert=True),  # taken _id
            UpdateOne({"dedupeKey": f"o{ordered}/1"}, {"$inc": {"n": 1}}, upsert=True),  # what 0 wrote
            UpdateOne({"dedupeKey": "d/4"}, {"$set": {"dedupeKey": "d/5"}}),  # taken unique key
            UpdateOne({"dedupeKey": f"o{ordered}/3"}, {"$setOnInsert": {"_id": f"o{ordered}3"}}, upsert=True),
            UpdateMany({"cookieId": "c1"}, {"$inc": {"touched": 1}}),
            UpdateOne({"dedupeKey": f"o{ordered}/3"}, {"$push": {"tags": "x"}}),
        ], ordered=ordered)))
        seen.append(await outcome(sessions.insert_many(
            [{"_id": f"s{ordered}1"}, {"_id": f"s{ordered}1"}, {"_id": f"s{ordered}2"}], ordered=ordered)))
        seen.append(await outcome(events.bulk_write([
            DeleteOne({"dedupeKey": "d/6"}), InsertOne({"_id": "e7"}), DeleteMany({"cookieId": "c0"}),
            InsertOne({"_id": f"i{ordered}", "dedupeKey": f"i/{ordered}"}),
        ], ordered=ordered)))
    seen.append(await outcome(sessions.bulk_write([UpdateOne(  # a token applied once: the repeat fails on _id
        {"_id": "s", "applied": {"$ne": token}}, {"$inc": {"events": 1}, "$push": {"applied": token}}, upsert=True)
        for token in ("t1", "t1", "t2")], ordered=False)))
    seen.append(await outcome(events.bulk_write([UpdateOne(  # refused by the document itself
        {"dedupeKey": "d/1"}, {"$inc": {"cookieId": 1}}), UpdateOne({"dedupeKey": "d/2"}, {"$set": {"ok": 1}})],
        ordered=False)))
    seen.append(await events.find({}).sort("_id", 1).to_list())
    seen.append(await sessions.find({}).sort("_id", 1).to_list())
    seen.append(await events.find(
        {"dedupeKey": {"$in": ["oTrue/1", "oFalse/3", "d/2"]}}, {"_id": 1}).sort("_id", 1).to_list())
    return seen


async def test_write_commands_answer_and_keep_the_same_in_one_transaction(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(embedded_corrections, "DELIVERY_WINDOW_SECONDS", 3600)  # no hand-over while counting
    unmodified_dir, corrected_dir = tmp_path / "unmodified", tmp_path / "corrected"
    unmodified_dir.mkdir()
    corrected_dir.mkdir()
    with commits_counted(monkeypatch) as commits:
        async with sqlite_store(unmodified_dir) as db:
            before = commits[0]
            unmodified = await write_commands(db)
            unmodified_commits = commits[0] - before
        with embedded_corrections.applied():
            async with sqlite_store(corrected_dir) as db:
                before = commits[0]
                corrected = await write_commands(db)
                corrected_commits = commits[0] - before
    assert corrected == unmodified
    assert unmodified[1][1] == [(1, 11000)] and unmodified[4][1] == [(1, 11000), (3, 11000)]  # edge cases ran
    # 13 write commands (the mixed bulk writes send one per run of one kind of write),
    # each at most one transaction; unmodified, one per document written (and several
    # per hand-over of its changes, which the corrections owe while commands run).
    print("SQLite commits:", unmodified_commits, "->", corrected_commits)
    assert unmodified_commits > 50
    assert corrected_commits <= 13


CUT_STORE = """
import asyncio, os, sys
from mongoeco.engines import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer
from storage import embedded_corrections

path, corrected, cut_after = sys.argv[1], sys.argv[2] == "corrected", int(sys.argv[3])
if corrected:
    embedded_corrections.apply()
write = SQLiteEngine._update_with_operation_sync
written = 0

def write_then_die(self, db_name, coll_name, *args, **kwargs):
    # The process dies just after the cut-th document of collection "cut" is written.
    global written
    result = write(self, db_name, coll_name, *args, **kwargs)
    if coll_name == "cut":
        written += 1
        if written == cut_after:
            os._exit(9)
    return result

SQLiteEngine._update_with_operation_sync = write_then_die

async def serve():
    server = AsyncMongoEcoProxyServer(engine=SQLiteEngine(path), host="127.0.0.1", port=0)
    address = await server.start()
    print(address.uri, flush=True)
    await asyncio.Event().wait()

asyncio.run(serve())
"""


async def cut_during_a_command(path: Path, mode: str) -> tuple[list[Any], list[Any], list[Any]]:
    """A store that dies after the 4th of 10 upserts of one command: what the reopened file
    keeps of an earlier command and of the cut one, and what its index answers."""
    store = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CUT_STORE, str(path), mode, "4", cwd=REPO, stdout=asyncio.subprocess.PIPE)
    try:
        uri = (await store.stdout.readline()).decode().strip()  # type: ignore[union-attr]
        client: AsyncMongoClient = AsyncMongoClient(uri, retryWrites=False, serverSelectionTimeoutMS=2000)
        try:
            db = client.store
            await db.cut.create_index("dedupeKey", unique=True)
            await db.kept.bulk_write([UpdateOne({"_id": n}, {"$set": {"n": n}}, upsert=True) for n in range(3)])
            with pytest.raises(PyMongoError):
                await db.cut.bulk_write([UpdateOne(
                    {"dedupeKey": f"k/{n}"}, {"$setOnInsert": {"_id": n, "payload": "x" * 200}}, upsert=True)
                    for n in range(10)])
        finally:
            await client.close()
        assert await asyncio.wait_for(store.wait(), 30) == 9
    finally:
        if store.returncode is None:
            store.kill()
            await store.wait()
    async with sqlite_store(path.parent, file=path) as db:  # reopened by the unmodified engine
        database = db.client.store
        kept = await database.kept.find({}).sort("_id", 1).to_list()
        cut = await database.cut.find({}).sort("_id", 1).to_list()
        by_index = [await database.cut.find_one({"dedupeKey": doc["dedupeKey"]}) for doc in cut]
    return kept, cut, by_index


async def test_a_store_dying_during_a_command_keeps_none_of_its_documents(tmp_path: Path):
    kept, cut, by_index = await cut_during_a_command(tmp_path / "corrected.sqlite", "corrected")
    assert kept == [{"_id": n, "n": n} for n in range(3)]
    assert cut == [] and by_index == []
    # Unmodified, the documents written before the cut were each committed: whole ones,
    # which the index finds.
    kept, cut, by_index = await cut_during_a_command(tmp_path / "unmodified.sqlite", "unmodified")
    assert kept == [{"_id": n, "n": n} for n in range(3)]
    assert [doc["_id"] for doc in cut] == [0, 1, 2, 3] and by_index == cut


async def test_writes_of_other_commands_wait_for_a_command_in_one_transaction(tmp_path: Path):
    # Concurrent commands from several clients, each of several documents, and single
    # writes and reads between them: all answered, all kept, every counter exact.
    with embedded_corrections.applied():
        async with sqlite_store(tmp_path) as db:
            async def writer(number: int) -> None:
                for round_ in range(10):
                    await db.sessions.bulk_write([UpdateOne(
                        {"_id": f"s{k}"}, {"$inc": {"n": 1}}, upsert=True) for k in range(5)], ordered=number % 2 == 0)
                    await db.events.insert_many([
                        {"_id": f"e{number}-{round_}-{k}", "dedupeKey": f"d{number}-{round_}-{k}"} for k in range(3)])
                    await db.sessions.find_one_and_update({"_id": "single"}, {"$inc": {"n": 1}}, upsert=True)
                    assert len(await db.events.find({"_id": {"$regex": f"^e{number}-"}}).to_list()) == 3 * (round_ + 1)

            await asyncio.gather(*(writer(number) for number in range(6)))
            sessions = {doc["_id"]: doc["n"] for doc in await db.sessions.find({}).to_list()}
            assert sessions == {**{f"s{k}": 60 for k in range(5)}, "single": 60}
            assert await db.events.count_documents({}) == 6 * 10 * 3


def stored_tag(engine: SQLiteEngine, document: Any, path: list[str]) -> str | None:
    """The tag at the path of the document as the engine stores it, read in full."""
    value: Any = json.loads(engine._serialize_document(document))
    for part in path:
        if part.isdigit():
            if not isinstance(value, list) or int(part) >= len(value):
                return None
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    tag = value.get("$mongoeco") if isinstance(value, dict) else None
    return tag.get("type") if isinstance(tag, dict) else None


def test_tagged_values_are_found_as_in_the_stored_document(tmp_path: Path):
    engine = SQLiteEngine(str(tmp_path / "codec.sqlite"))
    documents = [
        {"_id": "a", "price": Decimal128("1.5"), "at": NOW, "ref": ObjectId("650000000000000000000001"),
         "items": [{"price": Decimal128("2")}, (NOW, 3)], "uid": uuid.UUID(int=7), "blob": b"\x00\x01",
         "nested": {"deep": {"price": Decimal128("3")}, "0": NOW}, "son": SON([("price", Decimal128("4"))]),
         "looks": {"$mongoeco": {"type": "decimal", "value": "1"}}, "plain": "text", "n": 3, "none": None},
        {"_id": ObjectId("650000000000000000000002"), "price": 7, "items": []},
    ]
    paths = ["price", "at", "ref", "items", "items.0.price", "items.1", "items.1.0", "items.5", "uid", "blob",
             "nested", "nested.deep.price", "nested.0", "son", "son.price", "looks", "looks.$mongoeco", "plain",
             "n", "none", "missing", "_id", "price.0", "items.price"]
    for document in documents:
        for dotted in paths:
            path = dotted.split(".")
            assert embedded_writes.tagged_type_at(engine, document, path) == stored_tag(engine, document, path), (
                document["_id"], dotted)
    assert embedded_writes.tagged_type_at(engine, documents[0], ["items", "0", "price"]) == "decimal128_public"
