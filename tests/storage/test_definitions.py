"""Versioned definitions and shared schedules, as segments, outcomes and training use them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import schedules
from storage.definitions import VersionedDefinitions

NOW = datetime(2026, 1, 1, tzinfo=UTC)
THINGS = VersionedDefinitions("things", kept_with=("thing_models",))


async def test_every_change_moves_the_version_and_a_miss_does_not(db):
    assert await THINGS.version(db) == 0
    doc = await THINGS.create(db, definition={"name": "a", "conditions": []}, now=NOW)
    assert (doc["active"], doc["revision"]) == (True, 1)
    assert await THINGS.version(db) == 1

    later = NOW + timedelta(minutes=1)
    renamed = await THINGS.update(db, doc["_id"], changes={"name": "b"}, new_revision=False, now=later)
    assert (renamed["name"], renamed["revision"], renamed["updatedAt"]) == ("b", 1, later)
    revised = await THINGS.update(db, doc["_id"], changes={"conditions": [1]}, new_revision=True, now=later)
    assert revised["revision"] == 2
    assert await THINGS.version(db) == 3

    assert await THINGS.update(db, "missing", changes={}, new_revision=True, now=later) is None
    assert await THINGS.delete(db, "missing") is False
    assert await THINGS.version(db) == 3


async def test_a_deleted_definition_takes_what_is_kept_with_it(db):
    doc = await THINGS.create(db, definition={"name": "a"}, now=NOW)
    await db.db.thing_models.insert_one({"_id": doc["_id"]})
    await db.db.thing_models.insert_one({"_id": "another"})
    assert await THINGS.delete(db, doc["_id"]) is True
    assert await THINGS.find(db, doc["_id"]) is None
    assert [kept["_id"] for kept in await db.db.thing_models.find({}).to_list()] == ["another"]
    assert await THINGS.version(db) == 2


async def test_listing_is_oldest_first(db):
    second = await THINGS.create(db, definition={"name": "second"}, now=NOW + timedelta(seconds=1))
    first = await THINGS.create(db, definition={"name": "first"}, now=NOW)
    assert [doc["_id"] for doc in await THINGS.listing(db)] == [first["_id"], second["_id"]]
    assert await THINGS.count(db) == 2


async def test_one_caller_claims_a_due_round(db):
    hour = timedelta(hours=1)
    await schedules.start(db, "work", first_at=NOW + hour)
    await schedules.start(db, "work", first_at=NOW + 5 * hour)  # started before: kept
    assert await schedules.claim(db, "work", now=NOW, interval=hour) is False  # not due yet
    due = NOW + hour
    claims = [await schedules.claim(db, "work", now=due, interval=hour) for _ in range(2)]
    assert claims == [True, False]
    assert await schedules.claim(db, "work", now=due + hour, interval=hour) is True
