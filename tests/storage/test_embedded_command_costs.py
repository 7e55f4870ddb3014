"""The embedded store's per-statement corrections (storage.embedded_command_costs) change
the work of a write command, never its answers: the same commands give the same results,
and the same refusals, with and without them."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bson import Decimal128, Int64, ObjectId
from bson import ObjectId as BsonObjectId
from bson.son import SON
from mongoeco.core.bson_scalars import BsonDouble, BsonInt32, BsonInt64
from mongoeco.core.operators import UpdateEngine
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from storage import embedded_corrections, events
from storage.database import Database
from storage.events import BATCH
from tests.support.sqlite_work import sqlite_store, without_and_with_corrections

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
pytestmark = pytest.mark.skipif(
    not embedded_corrections.applicable(), reason="corrections are written for one mongoeco version"
)


def session_update(session_id: str, token: str, *, slice_: Any = -3, each: Any = None) -> UpdateOne:
    """The shape of the service's session update: set on insert, counters, a capped push."""
    return UpdateOne(
        {"_id": session_id, "appliedBatches": {"$ne": token}},
        {"$setOnInsert": {"status": "ACTIVE", "startedAt": NOW}, "$inc": {"eventCount": 1},
         "$max": {"lastActivityAt": NOW}, "$bit": {"flags": {"or": 2}},
         "$push": {"appliedBatches": {"$each": [token] if each is None else each, "$slice": slice_}},
         "$addToSet": {"pages": {"$each": [f"/{token}"]}}},
        upsert=True,
    )


async def commands(db: Database) -> list[Any]:
    """Update commands whose shapes repeat, with operands that compiling refuses among
    them, and the stored sessions at the end."""
    results: list[Any] = []

    async def record(action: Awaitable[Any]) -> None:
        try:
            outcome = await action
        except BulkWriteError as error:
            outcome = ("refused", [(e["index"], e["code"], e["errmsg"]) for e in error.details["writeErrors"]],
                       error.details["nUpserted"], error.details["nModified"])
        except PyMongoError as error:
            outcome = ("refused", type(error).__name__, getattr(error, "code", None), str(error))
        if hasattr(outcome, "bulk_api_result"):
            outcome = {k: v for k, v in outcome.bulk_api_result.items() if k != "upserted"} | {
                "upserted": [(u["index"], u["_id"]) for u in outcome.bulk_api_result.get("upserted", [])]}
        if hasattr(outcome, "raw_result"):
            outcome = outcome.raw_result
        results.append(outcome)

    sessions = db.sessions
    for token in ("t1", "t1", "t2"):  # new, repeated (fails on _id), existing
        await record(sessions.bulk_write([session_update("s1", token), session_update("s2", token)], ordered=False))
    # Shapes seen before, with operands compiling refuses, between valid statements.
    await record(sessions.bulk_write([
        session_update("s1", "t3"), session_update("s1", "t4", slice_="last"), session_update("s3", "t5"),
        session_update("s1", "t6", each="not an array"), session_update("s4", "t7", slice_=2.5)], ordered=False))
    await record(sessions.bulk_write([
        session_update("s5", "t8"), session_update("s1", "t9", each=7), session_update("s6", "t8")], ordered=True))
    await record(sessions.update_one({"_id": "s2"}, {"$addToSet": {"pages": {"$each": "/x"}}}))
    await record(sessions.update_one({"_id": "s2"}, {"$addToSet": {"pages": {"$each": ["/x", "/y"]}}}))
    await record(sessions.update_one({"_id": "s2"}, {"$push": {"pages": {"$each": ["/z"], "$sort": "up"}}}))
    await record(sessions.update_one({"_id": "s2"}, {"$push": {"pages": {"$each": ["/z"], "$sort": 1}}}))
    await record(sessions.update_one({"_id": "s2"}, {"$bit": {"flags": {"or": "x"}}}))
    await record(sessions.update_one({"_id": "s2"}, {"$bit": {"flags": {"and": 6}}}))
    # Refused operands in a shape seen before (a kept plan).
    await record(sessions.update_one({"_id": "s2"}, {"$addToSet": {"pages": {"$each": {"not": "an array"}}}}))
    await record(sessions.update_one({"_id": "s2"}, {"$push": {"pages": {"$each": ["/z"], "$sort": "down"}}}))
    await record(sessions.update_one({"_id": "s2"}, {"$bit": {"flags": {"xor": 1.5}}}))
    # The same paths under two operators conflict, whatever the operands.
    await record(sessions.update_one({"_id": "s2"}, {"$setOnInsert": {"n": 1}, "$inc": {"n": 1}}, upsert=True))
    await record(sessions.update_one({"_id": "s7"}, {"$setOnInsert": {"n": 1, "kind": "new"}}, upsert=True))
    await record(sessions.update_one({"_id": "s7"}, {"$setOnInsert": {"n": 2, "kind": "again"}}, upsert=True))
    await record(sessions.update_one({"_id": "s8"}, {"$setOnInsert": {"_id": "other", "kind": "x"}}, upsert=True))
    await record(sessions.find_one_and_update(
        {"_id": "s9"}, {"$setOnInsert": {"kind": "found"}, "$push": {"log": {"$each": [1], "$slice": -2}}},
        upsert=True, return_document=ReturnDocument.AFTER))
    await record(sessions.find_one_and_update(
        {"_id": "s9"}, {"$setOnInsert": {"kind": "again"}, "$push": {"log": {"$each": [2], "$slice": "x"}}},
        upsert=True, return_document=ReturnDocument.AFTER))
    await record(sessions.find_one_and_update(
        {"_id": "s9"}, {"$setOnInsert": {"kind": "again"}, "$push": {"log": {"$each": [3, 4, 5], "$slice": -2}}},
        upsert=True, return_document=ReturnDocument.AFTER))
    results.append(await sessions.find({}).sort("_id", 1).to_list())
    return results


async def test_results_are_those_of_the_unmodified_store(tmp_path: Path):
    unmodified, corrected = await without_and_with_corrections(tmp_path, commands)
    assert corrected == unmodified
    refusals = [result for result in unmodified if isinstance(result, tuple)]
    assert len(refusals) >= 10  # the refused operands were refused, not ignored
    assert [doc["_id"] for doc in unmodified[-1]] == ["s1", "s2", "s3", "s5", "s7", "s9"]


def counting(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *,
    when: Callable[..., bool] = lambda *args, **kwargs: True, static: bool = False,
) -> list[int]:
    """A count of the calls of owner.name from here on (those `when` accepts); the
    function still does its work."""
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        if when(*args, **kwargs):
            calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, staticmethod(counted) if static else counted)
    return calls


def counting_compiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the update plans the engine compiles from here on."""
    return counting(monkeypatch, UpdateEngine, "compile_update_plan", static=True)


async def compiles_per_command(tmp_path: Path, compiled: list[int], command: Callable[[Database, int], Any]) -> int:
    async with sqlite_store(tmp_path) as db:
        await command(db, 0)  # once before: a shape's first statement is compiled
        compiled[0] = 0
        await command(db, 1)
    return compiled[0]


SESSIONS_OF_A_BATCH: Callable[[Database, int], Any] = lambda db, n: db.sessions.bulk_write(  # noqa: E731
    [session_update(f"s{k}", f"t{n}") for k in range(3)], ordered=False)
EVENTS_OF_A_BATCH: Callable[[Database, int], Any] = lambda db, n: db.events.bulk_write([  # noqa: E731
    UpdateOne({"dedupeKey": f"d/{n}/{k}"}, {"$setOnInsert": {"_id": f"e{n}/{k}", "occurredAt": NOW}}, upsert=True)
    for k in range(3)], ordered=False)


@pytest.mark.parametrize("command", [SESSIONS_OF_A_BATCH, EVENTS_OF_A_BATCH], ids=["sessions", "events"])
async def test_statements_of_a_known_shape_are_not_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: Callable[[Database, int], Any]
):
    compiled = counting_compiles(monkeypatch)
    assert await compiles_per_command(tmp_path, compiled, command) == 6  # unmodified: each statement twice
    with embedded_corrections.applied():
        assert await compiles_per_command(tmp_path, compiled, command) == 0


def counting_image_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the stored documents that write outcomes copy from here on."""
    from mongoeco.engines import results

    return counting(monkeypatch, results, "deepcopy", when=lambda value, *_: isinstance(value, dict) and "_id" in value)


async def image_copies_per_command(tmp_path: Path, copies: list[int]) -> tuple[int, Any]:
    async with sqlite_store(tmp_path) as db:
        await SESSIONS_OF_A_BATCH(db, 0)
        copies[0] = 0
        await SESSIONS_OF_A_BATCH(db, 1)  # three stored sessions updated
        counted = copies[0]
        found = await db.sessions.find_one_and_update(
            {"_id": "s1"}, {"$inc": {"eventCount": 1}}, return_document=ReturnDocument.AFTER)
        return counted, found


async def test_update_outcomes_do_not_copy_the_documents_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copies = counting_image_copies(monkeypatch)
    unmodified = await image_copies_per_command(tmp_path, copies)
    assert unmodified[0] == 3 * 4  # before and after images, when built and when rebuilt
    with embedded_corrections.applied():
        corrected = await image_copies_per_command(tmp_path, copies)
    assert corrected == (0, unmodified[1])
    assert unmodified[1]["eventCount"] == 3


ENCODED: list[Any] = [
    {"_id": "s1", "n": 1, "big": 2**40, "ratio": 0.5, "flag": True, "none": None, "at": NOW,
     "price": Decimal128("1.5"), "ref": ObjectId("650000000000000000000001"), "son": SON([("b", 1), ("a", [2])]),
     "nested": {"list": [1, {"deep": [2**33, "x"]}, [3]], "text": "x"}, "looks": {"$mongoeco": {"type": "x"}}},
    [1, {"a": 2}, [3, {"b": 2**62}]], 5, "text", NOW,
    # Refused: where, and with what error, the engine refuses them.
    {"a": {"b": 2**70}}, {"a": [{1, 2}]}, [{"x": 1}, {"y": -(2**64)}], {"a": {1: 2}}, [1, {3}],
    {"a": {"b": [1, {"c": frozenset()}]}, "z": 2**80},
]


def encodings() -> list[Any]:
    from mongoeco.core.codec import DocumentCodec

    answers: list[Any] = []
    for value in ENCODED:
        try:
            answers.append(DocumentCodec.encode(value))
        except (TypeError, ValueError, OverflowError) as error:
            answers.append((type(error).__name__, str(error)))
    return answers


def counting_value_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the value checks the codec runs from here on (each walks what it checks)."""
    from mongoeco.core import codec

    return counting(monkeypatch, codec, "validate_bson_value")


def test_encoding_checks_each_value_once_and_refuses_what_it_refused(monkeypatch: pytest.MonkeyPatch):
    checks = counting_value_checks(monkeypatch)
    unmodified = encodings()
    unmodified_checks, checks[0] = checks[0], 0
    with embedded_corrections.applied():
        corrected = encodings()
    assert corrected == unmodified
    assert sum(isinstance(answer, tuple) for answer in unmodified) == 6
    # One check per encoded value (per item, for an array), where the engine checked
    # every value inside a document again, once per document around it; values made only
    # of plain ones are not checked at all (correction 16: they cannot be refused).
    assert (unmodified_checks, checks[0]) == (40, 8)


async def reads_between_changes(db: Database) -> list[Any]:
    """Reads of several documents between writes, index changes and a dropped collection:
    each sees what was committed before it."""
    sessions = db.sessions
    answers: list[Any] = []

    async def read() -> None:
        answers.append(await sessions.find({"_id": {"$in": ["s1", "s2", "s3"]}}).sort("_id", 1).to_list())
        answers.append(await sessions.find({"customerId": {"$in": ["u1", "u2"]}}, {"_id": 1}).sort("_id", 1).to_list())

    await sessions.insert_many([{"_id": f"s{n}", "customerId": f"u{n % 3}", "n": n} for n in range(6)])
    await read()
    await sessions.update_one({"_id": "s1"}, {"$set": {"customerId": "u2", "seen": True}})
    await sessions.delete_one({"_id": "s2"})
    await read()
    await sessions.update_one({"_id": "s3"}, {"$set": {"customerId": ["u1", "u9"]}})  # now an array
    await read()
    await sessions.drop_index("customer")
    await read()
    await sessions.create_index("customerId")
    await read()
    cursor = sessions.find({}).sort("_id", 1).batch_size(2)  # a read left open across a write
    answers.append([await cursor.next(), await cursor.next()])
    await sessions.insert_one({"_id": "s0b", "customerId": "u1"})
    answers.append(await cursor.to_list())
    await sessions.drop()
    await read()
    return answers


async def test_reads_see_what_the_unmodified_store_sees(tmp_path: Path):
    unmodified, corrected = await without_and_with_corrections(tmp_path, reads_between_changes)
    assert corrected == unmodified
    assert [doc["_id"] for doc in unmodified[2]] == ["s1", "s3"]  # the reads saw the writes


def counting_connections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the SQLite connections opened from here on."""
    return counting(monkeypatch, sqlite3, "connect")


async def connections_per_read(tmp_path: Path, opened: list[int]) -> int:
    async with sqlite_store(tmp_path) as db:
        await db.sessions.insert_many([{"_id": f"s{n}"} for n in range(3)])
        await db.sessions.find({"_id": {"$in": ["s1", "s2"]}}).to_list()
        opened[0] = 0
        for _ in range(5):
            await db.sessions.find({"_id": {"$in": ["s1", "s2"]}}).to_list()
        return opened[0]


async def test_reads_reuse_their_connections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    opened = counting_connections(monkeypatch)
    assert await connections_per_read(tmp_path, opened) == 5  # unmodified: one per read
    with embedded_corrections.applied():
        assert await connections_per_read(tmp_path, opened) == 0


async def change_digests(path: Path) -> list[tuple[str, str]]:
    """The digests of the changes the commands recorded (each digests a change's whole
    description, document included), in order."""
    async with sqlite_store(path.parent, file=path) as db:
        await commands(db)
        await db.sessions.update_one({"_id": "s1"}, {"$set": {
            "name": "Zoë ✓ 🛒", "price": Decimal128("2.50"), "ref": ObjectId("650000000000000000000002"),
            "nested": {"list": [1, 2.5, None, True, {"at": NOW}], "big": 2**40}}})
        await db.sessions.update_one({"_id": "new"}, {"$setOnInsert": {"name": "naïve", "n": 1.0}}, upsert=True)
        await db.sessions.update_one({"_id": "s1"}, {"$set": {"name": "Zoë ✓ 🛒"}})  # changes nothing
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(
            "SELECT event_kind, effect_hash FROM change_outbox_identities ORDER BY sequence").fetchall()


async def test_recorded_changes_are_those_of_the_unmodified_store(tmp_path: Path):
    unmodified = await change_digests(tmp_path / "unmodified.sqlite")
    with embedded_corrections.applied():
        corrected = await change_digests(tmp_path / "corrected.sqlite")
    assert corrected == unmodified
    assert len(unmodified) >= 12


def holds_a_session(encoded: Any) -> bool:
    """Whether an encoded value is a stored session, or a change's description holding one."""
    if isinstance(encoded, dict) and isinstance(encoded.get("full_document"), dict):
        encoded = encoded["full_document"]
    return isinstance(encoded, dict) and "_id" in encoded and "eventCount" in encoded


def counting_document_encodings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the stored sessions written out as JSON text, whole or inside a change's
    description, from here on (however their values were encoded before)."""
    from mongoeco.engines import sqlite

    return counting(monkeypatch, sqlite, "json_dumps_compact", when=lambda encoded, **_: holds_a_session(encoded))


async def counted_over_a_batchs_sessions_updated(tmp_path: Path, count: list[int]) -> int:
    """What `count` counts while a batch's three stored sessions are updated."""
    async with sqlite_store(tmp_path) as db:
        await SESSIONS_OF_A_BATCH(db, 0)
        count[0] = 0
        await SESSIONS_OF_A_BATCH(db, 1)
        return count[0]


async def test_an_update_encodes_the_document_it_writes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    encodings = counting_document_encodings(monkeypatch)
    # Unmodified: stored, then in its change's description.
    assert await counted_over_a_batchs_sessions_updated(tmp_path, encodings) == 3 * 2
    with embedded_corrections.applied():
        assert await counted_over_a_batchs_sessions_updated(tmp_path, encodings) == 3


def counting_signature_inspections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the function signatures inspected from here on."""
    import inspect

    return counting(monkeypatch, inspect, "signature")


async def test_stored_documents_are_decoded_without_inspecting_the_codec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    async def inspections_per_read() -> tuple[int, list[Any]]:
        async with sqlite_store(tmp_path) as db:
            await db.sessions.insert_many([
                {"_id": f"s{n}", "startedAt": NOW, "price": Decimal128(f"{n}.5"), "ref": ObjectId()} for n in range(3)])
            await db.sessions.find({"_id": {"$in": ["s0", "s1", "s2"]}}).to_list()
            inspected[0] = 0
            found = await db.sessions.find({"_id": {"$in": ["s0", "s1", "s2"]}}, {"ref": 0}).sort("_id", 1).to_list()
            return inspected[0], found

    inspected = counting_signature_inspections(monkeypatch)
    unmodified = await inspections_per_read()
    assert unmodified[0] == 3  # one per document read
    with embedded_corrections.applied():
        assert await inspections_per_read() == (0, unmodified[1])


def event(key: str, batch: str, n: int) -> dict[str, Any]:
    """An event document of the service's shape: nested page and context, dates, ids."""
    return {
        "_id": ObjectId(hashlib.sha1(f"{key}/{batch}".encode()).hexdigest()[:24]),
        "dedupeKey": key, "type": "PAGE_VIEW", "cookieId": "c1", "sessionId": f"s{n}",
        "customerId": None, "occurredAt": datetime(2026, 1, 5, 12, 0, n, 123456, tzinfo=UTC), "receivedAt": NOW,
        BATCH: batch, "acted": False, "score": 2**40 + n, "ratio": 0.5,
        "page": {"url": f"https://shop.example/item/{n}", "path": f"/item/{n}", "title": "Item"},
        "context": {"locale": "en-GB", "screen": {"width": 1920, "height": 1080}, "tags": ["a", n, [True]]},
    }


TAKEN_OVER: list[Any] = [
    event("k", "b", 1),
    {"$setOnInsert": {"at": datetime(2026, 3, 1, 1, 2, 3, 999999), "local": datetime(2026, 3, 1, 9, tzinfo=UTC)}},
    {"n": [2**31 - 1, 2**31, -(2**63), 2**63 - 1, 0.1, float("inf"), True, None, "", []]},
    [{"a": 1}, [ObjectId("65a1b2c3d4e5f60718293a4b")], {}],
    {"n": 2**63},  # beyond int64: refused
    {"n": [-(2**63) - 1]},
    {1: "not a string key"},
    {"$mongoeco": {"type": "datetime", "value": "2026-01-01T00:00:00"}},  # looks tagged
    {"$mongoeco": {"type": "int64"}, "other": 1},
    {"tuple": (1, 2)}, {"set": {1, 2}}, {"son": SON([("b", 1), ("a", 2)])},
    {"wrapped": Decimal128("1.5"), "bytes": b"\x00\x01", "int64": Int64(3)},
    {"n": [BsonInt32(7), BsonInt64(2**40), BsonDouble(1.5)], "at": [datetime(2026, 1, 1, fold=1)]},
    {"bson id": BsonObjectId("65a1b2c3d4e5f60718293a4b")},
    "a string", 5, None,
]


def shape(value: Any) -> Any:
    """A value with the type of everything in it spelled out."""
    if isinstance(value, dict):
        return type(value).__name__, [(shape(key), shape(item)) for key, item in value.items()]
    if isinstance(value, list | tuple):
        return type(value).__name__, [shape(item) for item in value]
    if isinstance(value, datetime):
        return "datetime", value.isoformat(), value.fold
    return type(value).__name__, repr(value)


def codec_answers(method: str, values: list[Any]) -> list[Any]:
    """What the codec's `method` gives for each value, its type spelled out, or its refusal."""
    from mongoeco.core.codec import DocumentCodec

    answers: list[Any] = []
    for value in values:
        try:
            answers.append(shape(getattr(DocumentCodec, method)(value)))
        except (TypeError, ValueError, OverflowError) as error:
            answers.append((type(error).__name__, str(error)))
    return answers


def test_command_documents_are_taken_over_as_the_codec_takes_them():
    unmodified = codec_answers("to_internal", TAKEN_OVER)
    with embedded_corrections.applied():
        corrected = codec_answers("to_internal", TAKEN_OVER)
    assert corrected == unmodified
    refusals = [answer[0] for answer in unmodified if answer[0] in ("BsonScalarOverflowError", "TypeError")]
    assert refusals == ["BsonScalarOverflowError", "BsonScalarOverflowError", "TypeError", "TypeError"]


async def event_writes(db: Database) -> list[Any]:
    """The service's event writes: new keys, a key stored already, a batch whose key another
    holds, and an upsert that loses the key to another writer (the unique index refuses it)."""
    results: list[Any] = []
    first = [event(f"k{n}", "b1", n) for n in range(3)]
    results.append(await events.insert_all_or_none(db, documents=first))
    results.append(await events.insert_all_or_none(db, documents=[event("k9", "b2", 9), event("k1", "b2", 1)]))
    again = [event("k1", "b3", 1), event("k5", "b3", 5)]
    results.append((sorted(await events.upsert(db, documents=again, reclaimed={"k1"})), [d["_id"] for d in again]))
    lost = [event("k2", "b4", 2), event("k6", "b4", 6)]
    results.append(sorted(await events.upsert(db, documents=lost, reclaimed=set())))
    try:
        await db.events.update_one({"dedupeKey": "k0", BATCH: "another"}, {"$setOnInsert": {"n": 1}}, upsert=True)
    except DuplicateKeyError as error:
        results.append(("refused", error.code, str(error)))
    results.append(await db.events.find({}, {"_id": 0}).sort("dedupeKey", 1).to_list())
    return results


async def test_event_writes_answer_as_the_unmodified_store(tmp_path: Path):
    unmodified, corrected = await without_and_with_corrections(tmp_path, event_writes)
    assert corrected == unmodified
    assert unmodified[:2] == [True, False]
    assert unmodified[3] == [0]  # k2 is held by another batch
    assert unmodified[4][:2] == ("refused", 11000)
    assert [doc["dedupeKey"] for doc in unmodified[-1]] == ["k0", "k1", "k2", "k5", "k6"]


def counting_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the update documents decoded from their encoding from here on (the
    second half of a round trip through the codec, whichever way the first half went)."""
    from mongoeco.core.codec import DocumentCodec

    return counting(monkeypatch, DocumentCodec, "decode", static=True,
                    when=lambda data, **_: isinstance(data, dict) and "$setOnInsert" in data)


async def counted_over_three_new_events_stored(tmp_path: Path, count: list[int]) -> int:
    """What `count` counts while three new events are stored in one command."""
    async with sqlite_store(tmp_path) as db:
        await events.insert_all_or_none(db, documents=[event(f"a{n}", "b1", n) for n in range(3)])
        count[0] = 0
        await events.insert_all_or_none(db, documents=[event(f"b{n}", "b2", n) for n in range(3)])
        return count[0]


async def test_an_event_upsert_is_taken_over_without_a_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    round_trips = counting_round_trips(monkeypatch)
    # Unmodified: each statement's update document.
    assert await counted_over_three_new_events_stored(tmp_path, round_trips) == 3
    with embedded_corrections.applied():
        assert await counted_over_three_new_events_stored(tmp_path, round_trips) == 0


async def images_of_updates(db: Database) -> list[Any]:
    """What updates hand back of a document before and after them (findAndModify), where
    the update changes nested values, changes nothing, replaces, or inserts; and what
    they stored."""
    sessions = db.sessions
    answers: list[Any] = []
    await sessions.insert_one({"_id": "s1", "pages": ["/a"], "context": {"screen": {"w": 1}, "tags": [[1]]}, "n": 1})
    for update, returned in [
        ({"$push": {"pages": "/b", "context.tags.0": 2}, "$set": {"context.screen.w": 2}}, ReturnDocument.BEFORE),
        ({"$push": {"pages": "/c"}, "$inc": {"n": 1}}, ReturnDocument.AFTER),
        ({"$set": {"n": 2}}, ReturnDocument.BEFORE),  # changes nothing
        ({"$set": {"n": 2}}, ReturnDocument.AFTER),
        ({"$unset": {"context": ""}}, ReturnDocument.BEFORE),
    ]:
        answers.append(await sessions.find_one_and_update({"_id": "s1"}, update, return_document=returned))
    answers.append(await sessions.find_one_and_update(
        {"_id": "s2"}, {"$setOnInsert": {"pages": ["/x"]}, "$push": {"log": {"$each": [1]}}},
        upsert=True, return_document=ReturnDocument.AFTER))
    answers.append(await sessions.find_one_and_replace(
        {"_id": "s1"}, {"pages": []}, return_document=ReturnDocument.BEFORE))
    answers.append(await sessions.find_one_and_update(
        {"_id": "s1"}, {"$push": {"pages": "/y"}}, return_document=ReturnDocument.BEFORE))
    answers.append(await sessions.find({}).sort("_id", 1).to_list())
    return answers


async def test_update_images_are_those_of_the_unmodified_store(tmp_path: Path):
    unmodified, corrected = await without_and_with_corrections(tmp_path, images_of_updates)
    assert corrected == unmodified
    assert unmodified[0]["pages"] == ["/a"] and unmodified[0]["context"]["tags"] == [[1]]  # before, untouched
    assert unmodified[1]["pages"] == ["/a", "/b", "/c"]


def counting_stored_document_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the copies of stored sessions the engine's update and its change record
    make from here on (outside the outcome's own)."""
    from mongoeco.engines import _sqlite_modify_ops, sqlite

    copies = counting(monkeypatch, _sqlite_modify_ops, "deepcopy",
                      when=lambda value, *_: isinstance(value, dict) and "_id" in value)
    monkeypatch.setattr(sqlite, "deepcopy", _sqlite_modify_ops.deepcopy)
    return copies


async def test_an_update_hands_its_images_over_without_copying_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copies = counting_stored_document_copies(monkeypatch)
    # Unmodified: the document to update, the outcome's before and after images, and the
    # change record's document.
    assert await counted_over_a_batchs_sessions_updated(tmp_path, copies) == 3 * 4
    with embedded_corrections.applied():
        assert await counted_over_a_batchs_sessions_updated(tmp_path, copies) == 3


def test_documents_are_encoded_as_the_codec_encodes_them():
    from mongoeco.core.codec import DocumentCodec

    internal = DocumentCodec.to_internal(event("k", "b", 2))  # the engine's own immutable documents
    values = [*ENCODED, *TAKEN_OVER, internal, [internal, {"at": NOW, "nested": internal}],
              {"nan": float("nan"), "inf": [float("-inf")], "flag": False, "big": 2**63 - 1, "low": -(2**63)},
              {"aware": datetime(2026, 3, 1, 9, 30, 0, 999, tzinfo=UTC), "naive": datetime(2026, 3, 1, 9, 30, 0, 1500)},
              {"deep": [[[{"x": [ObjectId("65a1b2c3d4e5f60718293a4b")]}]]]}, {"a": {"$mongoeco": 1}}]
    unmodified = codec_answers("encode", values)
    with embedded_corrections.applied():
        corrected = codec_answers("encode", values)
    assert corrected == unmodified
    assert unmodified[len(ENCODED):].count(("BsonScalarOverflowError", "integer exceeds BSON int64 range")) == 2


def counting_codec_walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A count of the values the codec's own encoding walks from here on (one call each)."""
    from mongoeco.core.codec import DocumentCodec

    return counting(monkeypatch, DocumentCodec, "encode", static=True)


async def test_plain_documents_are_encoded_in_one_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    walks = counting_codec_walks(monkeypatch)
    unmodified = await counted_over_three_new_events_stored(tmp_path, walks)
    with embedded_corrections.applied():
        corrected = await counted_over_three_new_events_stored(tmp_path, walks)
    # Unmodified: one call per value of an event, at each of its encodings.
    assert (unmodified, corrected) == (286, 0)
