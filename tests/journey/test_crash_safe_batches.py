"""A batch cut off between any two of its writes is completed by its retry: every accepted
event on its session, counters, segments and outcome progress exact, nothing counted twice.

The pipeline runs against the real store; after its k-th write the storage layer raises,
as a service killed at that moment would stop. The same batch is then sent again, and the
whole state must equal that of a run never cut, for every k."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from core.clock import ManualClock
from core.settings import Settings
from journey.assembly import build_pipeline
from journey.ingest import RawEvent
from journey.outcomes.definitions import definition as outcome_definition
from journey.outcomes.progress import of_session
from journey.segments.definitions import definition as segment_definition
from live.topics import Message
from storage import deployments, outcomes, segments
from storage.database import CODEC, Database, connect, ensure_indexes

pytestmark = pytest.mark.slow  # replays a batch cut after each of its writes

NOW = datetime.now(UTC).replace(microsecond=0)
WRITES = {
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "bulk_write", "find_one_and_update", "find_one_and_replace", "find_one_and_delete",
}


class Cut(Exception):
    """The service stopped here."""


class WriteCounter:
    def __init__(self) -> None:
        self.writes = 0
        self.cut_after: int | None = None

    def wrote(self) -> None:
        self.writes += 1
        if self.writes == self.cut_after:
            raise Cut(self.writes)


class CuttingCollection:
    def __init__(self, collection: AsyncCollection, counter: WriteCounter) -> None:
        self._collection = collection
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if name not in WRITES:
            return attribute

        async def write(*args: Any, **kwargs: Any) -> Any:
            result = await attribute(*args, **kwargs)
            self._counter.wrote()
            return result

        return write


class CuttingDatabase:
    """The real database, whose collections stop the caller after the chosen write."""

    def __init__(self, database: Any, counter: WriteCounter) -> None:
        self._database = database
        self._counter = counter

    def _wrap(self, attribute: Any) -> Any:
        return CuttingCollection(attribute, self._counter) if isinstance(attribute, AsyncCollection) else attribute

    def __getattr__(self, name: str) -> Any:
        return self._wrap(getattr(self._database, name))

    def __getitem__(self, name: str) -> Any:
        return self._wrap(self._database[name])


class PushedItems:
    """The hub, as far as the journey maps' subscribers see it: the ids of the items
    pushed to each session's map."""

    def __init__(self) -> None:
        self.ids: set[tuple[str, Any]] = set()

    async def publish(self, messages: Iterable[Message]) -> None:
        self.ids |= {(topic, doc["_id"]) for topic, doc in messages if topic.startswith("journey:")}


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def pageview(event_id: str, minutes: float, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "occurredAt": at(minutes),
            "page": {"url": f"https://shop.example{path}"}}


def custom(event_id: str, minutes: float, name: str) -> dict:
    return {"id": event_id, "type": "custom", "name": name, "occurredAt": at(minutes)}


SEED = [
    ("ann-laptop", pageview("a1", -58)),
    ("ann-laptop", {"id": "a2", "type": "identify", "occurredAt": at(-57), "traits": {"email": "ann@shop.example"}}),
    ("bob", pageview("b1", -10, "/shoes")),
    ("bob", custom("b2", -9, "add_to_cart")),
    ("cy", pageview("c1", -50)),
]
BATCH = [
    # An existing session goes on: a search that matches a customer-scope segment.
    ("ann-laptop", {"id": "a3", "type": "search", "query": "red shoes", "occurredAt": at(-5)}),
    # An existing session achieves the outcome.
    ("bob", custom("b3", -4, "add_to_cart")),
    ("bob", custom("b4", -3, "purchase")),
    # A browser back after a long gap: a new session, the old one ends.
    ("cy", pageview("c2", -2, "/?q=boots")),
    # A new browser: identifies as a known customer (a merge), logs out, goes on.
    ("ann-phone", pageview("p1", -6)),
    ("ann-phone", {"id": "p2", "type": "identify", "occurredAt": at(-5.5), "traits": {"email": "ann@shop.example"}}),
    ("ann-phone", {"id": "p3", "type": "logout", "occurredAt": at(-5)}),
    ("ann-phone", pageview("p4", -4, "/after")),
    # A new browser that matches a session segment.
    ("dee", pageview("d1", -3)),
    ("dee", custom("d2", -2, "add_to_cart")),
]


async def ingest(pipeline, batch) -> None:
    await pipeline.ingestor.ingest(
        deployment_id="default", batch=[RawEvent(payload=event, cookie_id=cookie) for cookie, event in batch]
    )


async def fresh_pipeline(client: Database, counter: WriteCounter, hub: PushedItems | None = None):
    name = f"t_{uuid.uuid4().hex[:12]}"
    database = Database(client=client.client, db=client.client.get_database(name, codec_options=CODEC))
    await ensure_indexes(database, retention_seconds=Settings().retention_days * 86400)
    clock = ManualClock(NOW)
    await deployments.ensure_default(database, now=NOW)
    await segments.SEGMENTS.create(database, now=NOW, definition=segment_definition(
        name="Searcher", description=None, color="#112233", scope="CUSTOMER", display_to_agent=True,
        conditions=[{"field": "searchQuery", "operator": "CONTAINS_ANY", "values": ["shoes"], "count": None}]))
    await segments.SEGMENTS.create(database, now=NOW, definition=segment_definition(
        name="Shopper", description=None, color="#445566", scope="SESSION", display_to_agent=True,
        conditions=[{"field": "eventName", "operator": "EQUAL", "values": ["add_to_cart"], "count": None}]))
    await outcomes.OUTCOMES.create(database, now=NOW, definition=outcome_definition(
        name="Purchase", description=None, positive=True,
        conditions=[{"field": "eventName", "operator": "EQUAL", "values": ["purchase"], "count": None}]))
    cutting = Database(client=database.client, db=CuttingDatabase(database.db, counter))
    pipeline = build_pipeline(db=cutting, hub=hub or PushedItems(), clock=clock, settings=Settings())
    await ingest(pipeline, SEED)
    return database, pipeline


def cursor(identity: dict[str, Any]) -> dict[str, Any]:
    """Where the browser's sessions stand; without the count of turns taken on it, which
    a retry adds to (an attempt, not something a user sees)."""
    return {key: value for key, value in (identity.get("web") or {}).items() if key != "claims"}


async def state(database: Database, pipeline) -> dict[str, Any]:
    """Everything a user could see of the store, with customer ids (random for new
    visitors) named by what they hold."""
    sessions = await database.sessions.find({}).sort("_id", 1).to_list()
    identities = await database.identities.find({}).sort("_id", 1).to_list()
    customers = await database.customers.find({}).to_list()
    names: dict[str, str] = {}
    for session in sessions:
        names.setdefault(session["customerId"], f"customer with session {session['_id']}")
    for identity in identities:
        names.setdefault(identity["customerId"], f"customer with {identity['_id']}")
    catalog = await pipeline.outcomes.current()
    seen = {}
    for session in sessions:
        items = await (
            database.events.find({"sessionId": session["_id"]}).sort([("occurredAt", 1), ("_id", 1)]).to_list()
        )
        seen[session["_id"]] = {
            **{key: value for key, value in session.items() if key != "customerId"},
            "customer": names[session["customerId"]],
            "journey": [(item["kind"], item["dedupeKey"], names.get(item["customerId"])) for item in items],
            "outcomes": [(p.outcome_id, p.probability, p.achieved_at) for p in of_session(catalog, session)],
        }
    definitions = {doc["_id"]: doc["name"] for doc in [
        *await database.segments.find({}).to_list(), *await database.outcomes.find({}).to_list()]}
    return renamed({
        "sessions": seen,
        "events": await database.events.count_documents({}),
        "identities": {doc["_id"]: (names[doc["customerId"]], cursor(doc)) for doc in identities},
        "customers": sorted(
            (names.get(doc["_id"], "no session"), doc.get("identified"), names.get(doc.get("mergedInto")),
             sorted(a["segmentId"] for a in doc.get("segments", [])), sorted(doc.get("traits", {}).items()),
             # The summary of its sessions that outcome predictions read: counted once.
             json.dumps(doc.get("history"), sort_keys=True, default=str))
            for doc in customers
        ),
    }, definitions)


def renamed(value: Any, names: dict[str, str]) -> Any:
    """Segment and outcome ids (new in each database) replaced by their names."""
    if isinstance(value, str):
        for old, new in names.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {renamed(key, names): renamed(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(renamed(item, names) for item in value)
    return value


def differences(got: Any, want: Any, path: str = "") -> list[str]:
    if isinstance(got, dict) and isinstance(want, dict):
        return [line for key in sorted(set(got) | set(want), key=str)
                for line in differences(got.get(key), want.get(key), f"{path}.{key}")]
    return [] if got == want else [f"{path}: {got!r} != {want!r}"]


@pytest.fixture
async def client(mongodb_uri: str):
    database = connect(mongodb_uri, "unused")
    yield database
    await database.client.close()


PLAIN_BATCH = [(cookie, event) for cookie, event in BATCH if event["type"] not in {"identify", "logout"}]
"""The same without identity actions: one pass, stored as new without a look for stored copies first."""


@pytest.mark.parametrize(
    ("batch", "least_writes"), [(BATCH, 20), (PLAIN_BATCH, 5)], ids=["with identity actions", "plain"]
)
async def test_a_batch_cut_after_any_write_is_completed_by_its_retry(client: Database, batch, least_writes):
    counter = WriteCounter()
    database, pipeline = await fresh_pipeline(client, counter)
    counter.writes = 0
    await ingest(pipeline, batch)
    writes = counter.writes
    expected = await state(database, pipeline)
    await database.client.drop_database(database.db.name)
    # The batch touches new and existing sessions, segments and an outcome; the one with
    # identity actions also a merge and a logout.
    kinds = {kind for session in expected["sessions"].values() for kind, _, _ in session["journey"]}
    assert {"SEGMENT_MATCHED", "OUTCOME_ACHIEVED"} <= kinds, kinds
    if batch is BATCH:
        assert "IDENTIFIED" in kinds, kinds
        assert any(merged for _, _, merged, *_ in expected["customers"])
    assert writes >= least_writes, writes

    unfinished = 0
    for cut in range(1, writes + 1):
        counter, pushed = WriteCounter(), PushedItems()
        database, pipeline = await fresh_pipeline(client, counter, pushed)
        counter.writes, counter.cut_after = 0, cut
        with pytest.raises(Cut):
            await ingest(pipeline, batch)
        unfinished += await state(database, pipeline) != expected
        counter.cut_after = None
        await ingest(pipeline, batch)
        after_retry = await state(database, pipeline)
        assert after_retry == expected, "\n".join(
            [f"cut after write {cut} of {writes}", *differences(after_retry, expected)]
        )
        # A map shows an item pushed twice under two ids twice: what the cut-off try and
        # the retry pushed must be the stored items, under their stored ids.
        stored = {(f"journey:{doc['sessionId']}", doc["_id"]) for doc in await database.events.find({}).to_list()}
        assert pushed.ids <= stored, f"cut after write {cut}: pushed but not stored: {pushed.ids - stored}"
        await database.client.drop_database(database.db.name)
    # Positive control: the cuts left the batch unfinished (the last writes may change
    # nothing a user sees: a logout has ended the session a new one supersedes, and the
    # browsers' turns are given back).
    assert unfinished >= writes - 3, (unfinished, writes)
