"""The embedded store's corrections change its cost, never its answers: the same
operations give the same results with and without them, and the writes of the ingest
path cost the SQLite engine the same work with 4 times as many documents stored.

Work is counted in SQLite virtual-machine steps (a progress handler on every connection
the engine opens): it does not depend on the machine or its load."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bson import Decimal128, Int64, MinKey, ObjectId
from mongoeco.engines import SQLiteEngine
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from storage import embedded_corrections
from storage.database import Database, ensure_indexes
from tests.support.sqlite_work import WorkCounter, sqlite_store, without_and_with_corrections

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
pytestmark = pytest.mark.skipif(
    not embedded_corrections.applicable(), reason="corrections are written for one mongoeco version"
)


async def operations(db: Database) -> list[Any]:
    """Ingest-path shapes and the edge cases the corrections must leave alone; every
    result, and the stored collections at the end."""
    results: list[Any] = []

    async def record(action) -> None:
        try:
            outcome = await action
        except BulkWriteError as error:
            outcome = ("error", [(e["index"], e["code"]) for e in error.details["writeErrors"]])
        if hasattr(outcome, "raw_result"):
            outcome = outcome.raw_result
        if hasattr(outcome, "bulk_api_result"):
            outcome = {k: v for k, v in outcome.bulk_api_result.items() if k != "upserted"} | {
                "upserted": [(u["index"], u["_id"]) for u in outcome.bulk_api_result.get("upserted", [])]}
        results.append(outcome)

    events, sessions = db.events, db.sessions
    await record(events.bulk_write([
        UpdateOne({"dedupeKey": f"d/{n}"}, {"$setOnInsert": {"_id": f"e{n}", "cookieId": "c", "occurredAt": NOW}},
                  upsert=True) for n in range(5)]))
    await record(events.bulk_write([  # existing and new keys; one insert loses to the unique index
        UpdateOne({"dedupeKey": "d/1"}, {"$setOnInsert": {"_id": "e-other"}}, upsert=True),
        UpdateOne({"dedupeKey": "d/9"}, {"$setOnInsert": {"_id": "e0"}}, upsert=True),
        UpdateOne({"dedupeKey": "d/10"}, {"$set": {"cookieId": "c2"}, "$setOnInsert": {"_id": "e10"}},
                  upsert=True)], ordered=False))
    await record(events.find_one({"dedupeKey": "d/3"}))
    await record(events.find_one_and_update({"dedupeKey": "nothing"}, {"$set": {"x": 1}}))
    for batch in ("t1", "t1", "t2"):  # applied once per token; the repeat fails on _id
        await record(sessions.bulk_write([UpdateOne(
            {"_id": "s1", "appliedBatches": {"$ne": batch}},
            {"$inc": {"eventCount": 1}, "$push": {"appliedBatches": {"$each": [batch], "$slice": -3}},
             "$setOnInsert": {"status": "ACTIVE"}}, upsert=True)], ordered=False))
    await record(sessions.find_one_and_update(
        {"_id": "s1", "status": "ACTIVE"}, {"$set": {"status": "INACTIVE"}}, return_document=ReturnDocument.AFTER))
    await record(sessions.find_one_and_update({"_id": "s1", "status": "ACTIVE"}, {"$set": {"status": "X"}}))
    await record(sessions.update_one({"_id": ObjectId("650000000000000000000001")}, {"$set": {"a": 1}}, upsert=True))
    await record(sessions.update_one({"_id": 7}, {"$set": {"n": 1}}, upsert=True))
    await record(sessions.update_one({"_id": 7.0}, {"$inc": {"n": 1}}))  # equal across number types
    # A field that becomes an array, and one that holds a decimal, after being cached as neither.
    await record(events.update_one({"cookieId": "c2", "tags": "a"}, {"$set": {"y": 1}}))
    await record(events.update_one({"dedupeKey": "d/2"}, {"$set": {"tags": ["a", "b"], "price": Decimal128("1.5")}}))
    await record(events.update_one({"cookieId": "c", "tags": "a"}, {"$set": {"y": 2}}))
    await record(events.find_one({"price": {"$gt": Decimal128("1.2")}}, {"_id": 1}))
    await record(events.update_one({"price": {"$lt": 2}}, {"$set": {"cheap": True}}))
    await record(sessions.update_one({"_id": "s9", "tags": "x"}, {"$set": {"z": 1}}, upsert=True))
    # Finds: by ids and by indexed keys, with sort, limit and projection; a field that is
    # an array in one document; ids of other types.
    await record(sessions.find({"_id": {"$in": ["s1", "s9", "none", 7]}}).sort("_id", -1).to_list())
    await record(sessions.find({"_id": {"$in": ["s1", ObjectId("650000000000000000000001")]}}, {"status": 1}).to_list())
    await record(sessions.find({"_id": "s1", "status": "INACTIVE"}).to_list())
    await record(sessions.find({"_id": "s1", "status": "ACTIVE"}).to_list())
    await record(events.find({"dedupeKey": {"$in": ["d/1", "d/3", "d/404"]}}, {"dedupeKey": 1, "_id": 0}).to_list())
    await record(events.find({"dedupeKey": "d/4", "cookieId": "c"}).limit(1).to_list())
    await record(events.find({"cookieId": {"$in": ["c", "c2"]}}).sort("dedupeKey", 1).skip(1).to_list())
    await record(events.update_one({"dedupeKey": "d/4"}, {"$set": {"dedupeKey": ["d/4", "d/44"]}}))
    await record(events.find({"dedupeKey": {"$in": ["d/44", "d/1"]}}, {"_id": 1}).to_list())
    await record(events.find({"dedupeKey": "d/44"}, {"_id": 1}).to_list())
    results.append(await events.find({}).sort("_id", 1).to_list())
    results.append(await sessions.find({}).sort("_id", 1).to_list())
    return results


@pytest.mark.slow
async def test_results_are_those_of_the_unmodified_store(tmp_path: Path):
    unmodified, corrected = await without_and_with_corrections(tmp_path, operations)
    assert corrected == unmodified
    changed = next(doc for doc in unmodified[-2] if doc["_id"] == "e2")
    assert changed["tags"] == ["a", "b"] and changed["price"].to_decimal() == Decimal("1.5")  # edge cases ran


SORTED_READS: list[tuple[str, dict[str, Any], list[tuple[str, int]], int, int]] = [
    # (collection, filter, sort, skip, limit): equalities and $in on indexed fields and
    # _id, sorted both ways, windows across ties and across missing and odd values.
    ("events", {"sessionId": "a"}, [("occurredAt", 1), ("_id", 1)], 0, 0),
    ("events", {"sessionId": "a"}, [("occurredAt", -1), ("_id", -1)], 0, 3),
    ("events", {"sessionId": "a"}, [("occurredAt", 1), ("_id", -1)], 2, 3),
    ("events", {"sessionId": "a", "kind": {"$ne": "MATCH"}}, [("occurredAt", 1)], 1, 2),
    ("events", {"sessionId": "a", "$or": [{"occurredAt": {"$gt": NOW}}, {"occurredAt": NOW, "_id": {"$gt": "a2"}}]},
     [("occurredAt", 1), ("_id", 1)], 0, 2),
    ("events", {"sessionId": {"$in": ["a", "b"]}}, [("sessionId", -1), ("occurredAt", 1), ("_id", 1)], 0, 4),
    ("events", {"sessionId": "b"}, [("occurredAt", 1), ("_id", 1)], 0, 0),  # a match holds an array there
    ("events", {"sessionId": "c"}, [("occurredAt", -1), ("_id", 1)], 0, 0),  # 64-bit integer and decimal there
    ("events", {"sessionId": "none"}, [("occurredAt", 1)], 0, 1),
    ("events", {"_id": {"$in": ["a1", "a2", "b1", "c1"]}}, [("occurredAt", -1), ("_id", 1)], 0, 3),
    ("events", {"customerId": "u1"}, [("rank", 1), ("_id", -1)], 0, 0),  # missing, null, string, number
    ("sessions", {"customerId": "u1"}, [("startedAt", -1), ("_id", -1)], 0, 2),
    ("sessions", {"customerId": "u1", "status": "ACTIVE"}, [("startedAt", -1), ("_id", -1)], 1, 5),
    ("sessions", {"status": "ACTIVE"}, [("startedAt", 1), ("_id", 1)], 0, 0),
    # No indexed equality; the first sort field required to be a date, indexed alone.
    ("sessions", {"type": "WEB", "lastActivityAt": {"$type": "date", "$lt": NOW + timedelta(minutes=5)}},
     [("lastActivityAt", -1), ("_id", -1)], 0, 3),
    ("sessions", {"type": "WEB", "lastActivityAt": {"$type": "date", "$lt": NOW + timedelta(minutes=5)}},
     [("lastActivityAt", -1), ("_id", 1)], 2, 3),
    ("sessions", {"lastActivityAt": {"$type": "date", "$gt": NOW, "$lte": NOW + timedelta(minutes=4)}},
     [("lastActivityAt", 1), ("_id", -1)], 1, 4),
    ("sessions", {"lastActivityAt": {"$type": "date", "$gte": NOW}},
     [("lastActivityAt", 1), ("status", 1), ("_id", 1)], 0, 2),
    ("sessions", {"lastActivityAt": {"$type": 9}}, [("lastActivityAt", 1), ("_id", 1)], 3, 2),
    ("sessions", {"lastActivityAt": NOW + timedelta(minutes=1), "type": {"$ne": "X"}},
     [("lastActivityAt", -1), ("_id", 1)], 0, 1),
    ("sessions", {"lastActivityAt": {"$lt": NOW + timedelta(minutes=5)}}, [("lastActivityAt", -1)], 1, 3),  # no $type
    ("sessions", {"type": "WEB", "lastActivityAt": {"$type": "date", "$lt": NOW + timedelta(days=1)}},
     [("lastActivityAt", -1), ("_id", -1)], 0, 50),  # fewer matches than the limit
    ("sessions", {"type": "NONE", "lastActivityAt": {"$type": "date", "$lt": NOW + timedelta(days=1)}},
     [("lastActivityAt", -1)], 0, 5),
]


async def sorted_reads(db: Database) -> list[Any]:
    """Every SORTED_READS answer, before and after an event's session and a session's last
    activity become arrays (the engine then serves no read on them by their index)."""
    await db.events.insert_many([
        {"_id": "a1", "dedupeKey": "a1", "sessionId": "a", "customerId": "u1", "occurredAt": NOW, "rank": 2},
        {"_id": "a2", "dedupeKey": "a2", "sessionId": "a", "customerId": "u1", "occurredAt": NOW, "rank": "x"},
        {"_id": "a3", "dedupeKey": "a3", "sessionId": "a", "customerId": "u1", "occurredAt": NOW, "rank": None},
        {"_id": "a0", "dedupeKey": "a0", "sessionId": "a", "customerId": "u1", "occurredAt": NOW - timedelta(1)},
        {"_id": "a4", "dedupeKey": "a4", "sessionId": "a", "kind": "MATCH", "occurredAt": NOW + timedelta(1)},
        {"_id": "a5", "dedupeKey": "a5", "sessionId": "a"},
        {"_id": "a6", "dedupeKey": "a6", "sessionId": "a", "occurredAt": None},
        {"_id": "a7", "dedupeKey": "a7", "sessionId": "a", "occurredAt": "not a date"},
        {"_id": "b1", "dedupeKey": "b1", "sessionId": "b", "occurredAt": [NOW + timedelta(2), NOW - timedelta(2)]},
        {"_id": "b2", "dedupeKey": "b2", "sessionId": "b", "occurredAt": NOW},
        {"_id": "c1", "dedupeKey": "c1", "sessionId": "c", "occurredAt": Int64(5)},
        {"_id": "c2", "dedupeKey": "c2", "sessionId": "c", "occurredAt": Decimal128("4.5")},
        {"_id": "c3", "dedupeKey": "c3", "sessionId": "c", "occurredAt": 6},
        {"_id": "d1", "dedupeKey": "d1", "sessionId": "d", "occurredAt": [1, 2]},  # matches none of the reads
    ])
    odd_activity: dict[int, Any] = {3: None, 5: "soon", 8: 5, 10: {"at": NOW}, 12: MinKey()}
    await db.sessions.insert_many([
        {"_id": f"s{n}", "customerId": f"u{n % 2}", "status": "ACTIVE" if n % 3 else "INACTIVE",
         "type": "WEB" if n % 4 else "CONVERSATION",
         **({"startedAt": NOW + timedelta(minutes=n // 2)} if n % 5 else {}),
         **({"lastActivityAt": odd_activity.get(n, NOW + timedelta(minutes=n // 2))} if n % 7 else {})}
        for n in range(16)])

    async def answers() -> list[Any]:
        return [await db.db[collection].find(query).sort(order).skip(skip).limit(limit).to_list()
                for collection, query, order, skip, limit in SORTED_READS]

    before = await answers()
    await db.events.insert_one({"_id": "e", "dedupeKey": "e", "sessionId": ["a", "b"], "occurredAt": NOW})
    await db.sessions.insert_one({"_id": "sx", "type": "WEB", "lastActivityAt": [NOW, NOW + timedelta(minutes=3)]})
    return before + await answers()


async def test_sorted_reads_are_those_of_the_unmodified_store(tmp_path: Path):
    unmodified, corrected = await without_and_with_corrections(tmp_path, sorted_reads)
    assert corrected == unmodified
    assert [len(answer) for answer in unmodified[:3]] == [8, 3, 3]  # the reads found what they were to sort
    assert [len(answer) for answer in unmodified[14:17]] == [3, 2, 3]


async def seed(db: Database, start: int, end: int) -> None:
    for first in range(start, end, 200):
        numbers = range(first, min(end, first + 200))
        await db.events.bulk_write([UpdateOne(
            {"dedupeKey": f"d/{n}"},
            {"$setOnInsert": {"_id": f"e{n}", "cookieId": f"c{n // 5}", "sessionId": f"s{n // 5}", "occurredAt": NOW}},
            upsert=True) for n in numbers])
        await db.sessions.bulk_write([UpdateOne(
            {"_id": f"s{n // 5}"}, {"$inc": {"eventCount": 1}, "$max": {"lastActivityAt": NOW},
                                    "$setOnInsert": {"status": "ACTIVE"}}, upsert=True) for n in numbers])
        await db.identities.bulk_write([UpdateOne(
            {"_id": f"COOKIE:c{n // 5}"}, {"$setOnInsert": {"web": {"seq": 0}}}, upsert=True) for n in numbers])


WRITES: dict[str, Callable[[Database, int], Any]] = {
    "event stored under a new dedupe key": lambda db, n: db.events.bulk_write([UpdateOne(
        {"dedupeKey": f"new/{n}"}, {"$setOnInsert": {"_id": f"new{n}", "occurredAt": NOW}}, upsert=True)]),
    "event already stored": lambda db, n: db.events.bulk_write([UpdateOne(
        {"dedupeKey": "d/3"}, {"$setOnInsert": {"_id": "other"}}, upsert=True)]),
    "new session, token checked": lambda db, n: db.sessions.bulk_write([UpdateOne(
        {"_id": f"new-s{n}", "appliedBatches": {"$ne": "t"}},
        {"$inc": {"eventCount": 1}, "$push": {"appliedBatches": {"$each": ["t"], "$slice": -64}}}, upsert=True)]),
    "existing session, token checked": lambda db, n: db.sessions.bulk_write([UpdateOne(
        {"_id": "s3", "appliedBatches": {"$ne": f"t{n}"}},
        {"$inc": {"eventCount": 1}, "$push": {"appliedBatches": {"$each": [f"t{n}"], "$slice": -64}}}, upsert=True)]),
    "new browser": lambda db, n: db.identities.bulk_write([UpdateOne(
        {"_id": f"COOKIE:new{n}"}, {"$setOnInsert": {"web": {"seq": 0}}}, upsert=True)]),
    "session ended if still active": lambda db, n: db.sessions.find_one_and_update(
        {"_id": f"s{n // 10}", "status": "ACTIVE"}, {"$set": {"status": "INACTIVE"}}),
    "sessions read by ids": lambda db, n: db.sessions.find({"_id": {"$in": ["s1", f"s{n // 5 - 1}"]}}).to_list(),
    "events read by dedupe keys": lambda db, n: db.events.find(
        {"dedupeKey": {"$in": ["d/1", f"d/{n - 1}", "none"]}}, {"dedupeKey": 1}).to_list(),
}


async def work_per_operation(db: Database, counter: WorkCounter, stored: int) -> dict[str, int]:
    work = {}
    for name, write in WRITES.items():
        await write(db, stored + 1)  # once before: what the engine learns once is not counted
        await db.versions.update_one({"_id": "tick"}, {"$inc": {"n": 1}}, upsert=True)  # a write before, as in a batch
        await db.client.admin.command("serverStatus")  # changes owed to the hub are handed over before counting
        counter.steps = 0
        await write(db, stored)
        work[name] = counter.steps
    return work


async def growth(tmp_path: Path, counter: WorkCounter, small_size: int) -> dict[str, tuple[int, int]]:
    async with sqlite_store(tmp_path) as db:
        await seed(db, 0, small_size)
        small = await work_per_operation(db, counter, small_size)
        await seed(db, small_size, 4 * small_size)
        large = await work_per_operation(db, counter, 4 * small_size)
    return {name: (small[name], large[name]) for name in WRITES}


@pytest.mark.slow
async def test_ingest_operations_cost_the_same_with_four_times_the_data(
    tmp_path: Path, counted: WorkCounter, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(embedded_corrections, "DELIVERY_WINDOW_SECONDS", 3600)  # no hand-over while counting
    with embedded_corrections.applied():
        corrected = await growth(tmp_path, counted, 250)
    print("SQLite steps per operation at 250 and 1000 stored events:", corrected)
    for name, (small, large) in corrected.items():
        assert large <= small * 1.3 + 500, (name, small, large)
    # Positive control: without the corrections the same operations grow with the data
    # (a smaller store: unmodified, it takes long to fill).
    unmodified = await growth(tmp_path, counted, 100)
    print("without the corrections, at 100 and 400:", unmodified)
    grown = [name for name, (small, large) in unmodified.items() if large > small * 2]
    assert len(grown) >= 5, unmodified


@asynccontextmanager
async def handed_over(monkeypatch) -> AsyncIterator[tuple[list[Any], list[int]]]:
    """Every change the engine hands to the change-stream hub, in order, and how many
    hand-overs it made."""
    from mongoeco.engines.adapter import EngineSpiAdapter

    changes: list[Any] = []
    hand_overs = [0]
    deliver = EngineSpiAdapter._deliver_committed_change
    dispatch = SQLiteEngine.dispatch_committed_changes

    def delivering(sink: Any, change: Any) -> None:
        changes.append((change.sequence, change.is_gap, change.payload))
        deliver(sink, change)

    def dispatching(self: Any, *args: Any, **kwargs: Any) -> None:
        hand_overs[0] += 1
        dispatch(self, *args, **kwargs)

    monkeypatch.setattr(EngineSpiAdapter, "_deliver_committed_change", staticmethod(delivering))
    monkeypatch.setattr(SQLiteEngine, "dispatch_committed_changes", dispatching)
    yield changes, hand_overs


async def bulk_writes(db: Database, hand_overs: list[int]) -> list[int]:
    """Bulk commands of 20 statements (one refused by the unique index) and single
    writes; the hand-overs each made."""
    made = []
    for command in (
        db.events.bulk_write([UpdateOne({"dedupeKey": f"k/{n}"}, {"$setOnInsert": {"_id": f"b{n}"}}, upsert=True)
                              for n in range(20)], ordered=False),
        db.events.bulk_write([UpdateOne({"dedupeKey": f"k/{n}"}, {"$set": {"seen": True},
                                        "$setOnInsert": {"_id": "b0" if n == 34 else f"x{n}"}}, upsert=True)
                              for n in range(15, 35)], ordered=False),
        db.events.insert_many([{"_id": f"i{n}", "dedupeKey": f"i/{n}"} for n in range(20)]),
        db.events.delete_many({"dedupeKey": {"$in": [f"i/{n}" for n in range(5)]}}),
        db.sessions.find_one_and_update({"_id": "s"}, {"$inc": {"n": 1}}, upsert=True),
    ):
        before = hand_overs[0]
        try:
            await command
        except BulkWriteError:
            pass
        made.append(hand_overs[0] - before)
    return made


async def observed_status(db: Database) -> dict[str, Any]:
    """What a client can see of change delivery: the hub's and the change outbox's state."""
    status = await db.client.admin.command("serverStatus")
    return {"hub": status["mongoeco"]["changeStreams"],
            "outbox": status["mongoeco"]["engineRuntime"]["changeDelivery"]}


def outbox_on_disk(path: Path) -> dict[str, Any]:
    """The change outbox as the SQLite file keeps it (operation and consumer ids are
    random: left out)."""
    with closing(sqlite3.connect(path)) as connection:
        return {
            "changes": connection.execute("SELECT sequence, kind FROM change_outbox ORDER BY sequence").fetchall(),
            "pruned": connection.execute("SELECT pruned_through FROM change_outbox_state").fetchall(),
            "checkpoints": connection.execute(
                "SELECT checkpoint, durable FROM change_outbox_consumers ORDER BY checkpoint").fetchall(),
            "identities": connection.execute("SELECT COUNT(*) FROM change_outbox_identities").fetchall(),
        }


async def test_changes_reach_the_hub_the_same_when_observed(tmp_path: Path, monkeypatch):
    # A window longer than the test: only reading the hub's state hands the changes over.
    monkeypatch.setattr(embedded_corrections, "DELIVERY_WINDOW_SECONDS", 3600)
    async with handed_over(monkeypatch) as (changes, hand_overs), sqlite_store(tmp_path) as db:
        unmodified_counts = await bulk_writes(db, hand_overs)
        unmodified_status = await observed_status(db)
        unmodified, unmodified_stored = list(changes), await db.events.find({}).sort("_id", 1).to_list()
    with embedded_corrections.applied():
        async with handed_over(monkeypatch) as (changes, hand_overs), sqlite_store(tmp_path) as db:
            corrected_counts = await bulk_writes(db, hand_overs)
            unobserved = list(changes)
            corrected_status = await observed_status(db)
            corrected, corrected_stored = list(changes), await db.events.find({}).sort("_id", 1).to_list()
            after_observing = hand_overs[0]
    assert corrected == unmodified and len(unmodified) > 50
    assert corrected_status == unmodified_status
    assert corrected_stored == unmodified_stored
    assert unmodified_counts[:2] == [20, 19]  # a refused statement hands nothing over
    assert corrected_counts == [0, 0, 0, 0, 0] and unobserved == []
    assert after_observing == 1  # one hand-over for all five commands


async def client_view(db: Database) -> list[Any]:
    """Writes of every kind, each followed by what a client sees of change delivery."""
    views = []
    for write in (
        db.events.insert_one({"_id": "a", "dedupeKey": "a"}),
        db.events.bulk_write([UpdateOne({"dedupeKey": f"v/{n}"}, {"$setOnInsert": {"_id": f"v{n}"}}, upsert=True)
                              for n in range(5)]),
        db.events.update_many({"dedupeKey": {"$in": ["v/1", "v/2"]}}, {"$set": {"seen": True}}),
        db.sessions.find_one_and_update({"_id": "s"}, {"$inc": {"n": 1}}, upsert=True),
        db.events.delete_one({"_id": "v3"}),
        db.sessions.find_one_and_delete({"_id": "s"}),
    ):
        await write
        views.append(await observed_status(db))
    return views


async def test_clients_see_the_same_change_delivery_state_after_every_write(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(embedded_corrections, "DELIVERY_WINDOW_SECONDS", 3600)
    unmodified_dir, corrected_dir = tmp_path / "unmodified", tmp_path / "corrected"
    unmodified_dir.mkdir()
    corrected_dir.mkdir()
    async with sqlite_store(unmodified_dir) as db:
        unmodified = await client_view(db)
        await db.events.insert_one({"_id": "unobserved"})  # handed over before the store closes
    with embedded_corrections.applied():
        async with sqlite_store(corrected_dir) as db:
            corrected = await client_view(db)
            await db.events.insert_one({"_id": "unobserved"})
    assert corrected == unmodified
    assert unmodified[-1]["hub"]["nextToken"] > 10
    [unmodified_file], [corrected_file] = unmodified_dir.glob("*.sqlite"), corrected_dir.glob("*.sqlite")
    assert outbox_on_disk(corrected_file) == outbox_on_disk(unmodified_file)


async def test_changes_nobody_reads_are_handed_over_within_the_window(tmp_path: Path, monkeypatch):
    with embedded_corrections.applied():
        async with handed_over(monkeypatch) as (changes, hand_overs), sqlite_store(tmp_path) as db:
            for n in range(3):
                await db.events.insert_one({"_id": f"w{n}", "dedupeKey": f"w/{n}"})
            for _ in range(300):  # waits for the window to pass, however loaded the machine
                if len(changes) == 3:
                    break
                await asyncio.sleep(embedded_corrections.DELIVERY_WINDOW_SECONDS)
            assert [sequence for sequence, _, _ in changes][-3:] == sorted(sequence for sequence, _, _ in changes)[-3:]
            assert len(changes) == 3 and hand_overs[0] <= 3


async def watched(path: Path) -> tuple[list[Any], dict[str, Any]]:
    """The events a change stream opened after unwatched writes reads (in-process: the
    wire refuses $changeStream), and the hub's state at the end."""
    from mongoeco.api._async.client import AsyncMongoClient as EmbeddedClient

    async with EmbeddedClient(SQLiteEngine(str(path))) as client:
        things = client.db.things
        await things.insert_one({"_id": 1})
        await things.update_one({"_id": 1}, {"$set": {"a": 1}})
        stream = things.watch()
        await things.insert_one({"_id": 2})
        await things.update_one({"_id": 2}, {"$set": {"b": 1}}, upsert=True)
        events = [await stream.next(), await stream.next()]
        stream.close()
        state = client.change_stream_state()
    return [{k: v for k, v in event.items() if k not in ("clusterTime", "wallTime")} for event in events], state


async def test_a_change_stream_opened_after_unwatched_writes_reads_the_same(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(embedded_corrections, "DELIVERY_WINDOW_SECONDS", 3600)
    unmodified = await watched(tmp_path / "unmodified.sqlite")
    with embedded_corrections.applied():
        corrected = await watched(tmp_path / "corrected.sqlite")
    assert corrected == unmodified
    assert [event["documentKey"] for event in unmodified[0]] == [{"_id": 2}, {"_id": 2}]


def scalar_entry_indexes(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        [count] = connection.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scalar_index_entries'").fetchone()
    return count


async def index_answers(db: Database) -> list[Any]:
    """Reads and writes that go through the single-field indexes' entries."""
    answers: list[Any] = [
        await db.events.find({"dedupeKey": {"$in": ["i/1", "i/3", "none"]}}, {"_id": 1}).sort("_id", 1).to_list(),
        await db.events.find_one({"cookieId": "c2"}, {"_id": 1}),
        await db.events.find({"customerId": {"$in": ["u1"]}}, {"_id": 1}).sort("_id", 1).to_list(),
    ]
    try:
        await db.events.insert_one({"_id": "again", "dedupeKey": "i/2"})
    except DuplicateKeyError as error:
        answers.append(error.code)
    return answers


async def index_life(db: Database) -> list[Any]:
    """Indexes created, used, dropped (one, all of a collection, a collection) and used again."""
    await db.events.insert_many([
        {"_id": f"i{n}", "dedupeKey": f"i/{n}", "cookieId": f"c{n % 3}", "customerId": f"u{n % 2}"} for n in range(6)])
    await db.sessions.insert_one({"_id": "s", "cookieId": "c1"})
    answers = [await index_answers(db)]
    await ensure_indexes(db, retention_seconds=3600)  # drops and recreates the TTL indexes
    await db.events.drop_index("cookie")
    answers.append(await index_answers(db))
    await db.sessions.drop_indexes()
    answers.append(await index_answers(db))
    await db.identities.drop()
    answers.append(await index_answers(db))
    await db.events.create_index("cookieId", name="cookie")
    answers.append(await index_answers(db))
    answers.append(await db.sessions.find({"cookieId": "c1"}).to_list())
    answers.append(sorted((await db.events.index_information()).keys()))
    return answers


async def test_single_field_indexes_answer_the_same_from_one_shared_sql_index(tmp_path: Path):
    unmodified_file, corrected_file = tmp_path / "unmodified.sqlite", tmp_path / "corrected.sqlite"
    async with sqlite_store(tmp_path, file=unmodified_file) as db:
        unmodified = await index_life(db)
    with embedded_corrections.applied():
        async with sqlite_store(tmp_path, file=corrected_file) as db:
            corrected = await index_life(db)
    assert corrected == unmodified
    assert unmodified[0][-1] == 11000 and unmodified[0][0] == [{"_id": "i1"}, {"_id": "i3"}]
    assert scalar_entry_indexes(unmodified_file) > 5
    assert scalar_entry_indexes(corrected_file) == 2  # by storage key, and the shared one


async def test_a_file_written_with_the_shared_index_serves_the_unmodified_store(tmp_path: Path):
    file = tmp_path / "journey.sqlite"
    with embedded_corrections.applied():
        async with sqlite_store(tmp_path, file=file) as db:
            await db.events.insert_many([{"_id": f"i{n}", "dedupeKey": f"i/{n}", "cookieId": f"c{n % 3}",
                                          "customerId": f"u{n % 2}"} for n in range(6)])
            written = await index_answers(db)
    async with sqlite_store(tmp_path, file=file) as db:  # unmodified: recreates its own indexes
        assert await index_answers(db) == written
        await db.events.drop_index("customer")
        assert (await index_answers(db))[:2] == written[:2]
    shared_again = scalar_entry_indexes(file)
    with embedded_corrections.applied():
        async with sqlite_store(tmp_path, file=file) as db:
            assert (await index_answers(db))[:2] == written[:2]
    assert shared_again > 2 and scalar_entry_indexes(file) == 2


async def delivery_with_a_failing_consumer(path: Path) -> list[Any]:
    """What a change consumer receives and where its checkpoint stands when it fails on
    the fourth change, and after a second hand-over."""
    from mongoeco.api._async.client import AsyncMongoClient as EmbeddedClient
    from mongoeco.engines._sqlite_outbox import consumer_checkpoint

    engine = SQLiteEngine(str(path))
    async with EmbeddedClient(engine) as client:
        await client.db.things.insert_one({"_id": 0})  # connects; the probe starts after it
        engine.register_change_consumer("probe")
        for n in range(1, 7):
            await client.db.things.insert_one({"_id": n})
        received: list[int] = []
        seen: list[Any] = []

        def failing_on_the_fourth(change: Any) -> None:
            if len(received) == 3:
                raise RuntimeError("consumer failed")
            received.append(change.sequence)

        def checkpoint() -> int:
            with engine._change_delivery_storage() as conn:
                return consumer_checkpoint(conn, "probe")

        with pytest.raises(RuntimeError, match="consumer failed"):
            engine.dispatch_committed_changes("probe", failing_on_the_fourth)
        seen += [list(received), checkpoint()]
        engine.dispatch_committed_changes("probe", lambda change: received.append(change.sequence))
        seen += [list(received), checkpoint()]
    return seen


async def test_a_consumer_failing_midway_is_checkpointed_where_it_failed(tmp_path: Path):
    unmodified = await delivery_with_a_failing_consumer(tmp_path / "unmodified.sqlite")
    with embedded_corrections.applied():
        corrected = await delivery_with_a_failing_consumer(tmp_path / "corrected.sqlite")
    assert corrected == unmodified
    first, at_failure, everything, at_end = unmodified
    assert len(first) == 3 and at_failure == first[-1] and len(everything) == 6 and at_end == everything[-1]
