"""Concurrent batches of one deployment share one pipeline pass, and each is answered as
if it had been alone: its own receipts, sessions and customers, its own refusals; a
resent copy in the same pass is a duplicate; a pass cut off by the store fails each of
its batches, and their retries complete every one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.errors import InvalidInput
from journey.ingest import IngestResult, RawEvent
from journey.sessionize import session_id
from tests.journey.test_crash_safe_batches import BATCH, Cut, WriteCounter, fresh_pipeline, state
from tests.support.service import Service


def pageview(event_id: str) -> dict[str, Any]:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/{event_id}"}}


def one_pass(service: Service, batches: list[list[RawEvent]]):
    """Submitted together, before the pass they start has run: one pass carries them all."""
    ingestor = service.services.ingestor
    return asyncio.gather(
        *(ingestor.ingest(deployment_id="default", batch=batch) for batch in batches), return_exceptions=True
    )


@pytest.fixture
async def service(start) -> Service:
    running = await start(sweep_interval_seconds=3600)  # only the batches' own round trips
    await running.collect([pageview("warm")], cookie_id="warm")  # the deployment cache
    return running


async def test_each_batch_gets_its_own_answers(service: Service):
    results = await one_pass(service, [
        [RawEvent(pageview("a1"), "ann"), RawEvent(pageview("a2"), "ann")],
        [RawEvent(pageview("b1"), "bob"), RawEvent({"id": "b2", "type": "nonsense"}, "bob")],
        [],  # refused whole, alone
        [RawEvent(pageview("c1"), "cy")],
        [RawEvent(pageview("c1"), "cy")],  # the same batch resent while the first is in flight
    ])
    ann, bob, empty, cy, cy_again = results
    assert isinstance(empty, InvalidInput) and empty.field == "events"
    assert isinstance(ann, IngestResult) and isinstance(bob, IngestResult)
    assert isinstance(cy, IngestResult) and isinstance(cy_again, IngestResult)

    assert [(r.id, r.status, r.session_id) for r in ann.events] == [
        ("a1", "accepted", session_id("ann", 1)), ("a2", "accepted", session_id("ann", 1))]
    assert ann.session_ids == [session_id("ann", 1)] and len(ann.customer_ids) == 1
    assert [(r.id, r.status) for r in bob.events] == [("b1", "accepted"), ("b2", "rejected")]
    assert bob.events[1].reason is not None and bob.events[1].reason.startswith("events[1].")
    assert bob.session_ids == [session_id("bob", 1)]
    assert len({*ann.customer_ids, *bob.customer_ids, *cy.customer_ids}) == 3
    assert [(r.status, r.session_id) for r in cy.events] == [("accepted", session_id("cy", 1))]
    assert [(r.status, r.session_id) for r in cy_again.events] == [("duplicate", None)]
    assert cy_again.session_ids == [] and cy_again.customer_ids == []

    stored = await service.services.db.sessions.find(
        {"_id": {"$in": [session_id(cookie, 1) for cookie in ("ann", "bob", "cy")]}}).to_list()
    assert sorted(doc["eventCount"] for doc in stored) == [1, 1, 2]


async def test_one_pass_costs_the_round_trips_of_one_batch(service: Service):
    service.commands.reset()
    await one_pass(service, [[RawEvent(pageview("solo"), "solo")]])
    alone = list(service.commands.commands)

    service.commands.reset()
    results = await one_pass(service, [[RawEvent(pageview(f"e{n}"), f"browser-{n}")] for n in range(10)])
    together = list(service.commands.commands)

    assert all(isinstance(result, IngestResult) and result.counts()["accepted"] == 1 for result in results)
    # The commands of one batch, but the cookie claim, one findAndModify for one browser
    # and an upsert and a read for several (new events are stored as new, with no look
    # for stored copies per browser): 10 passes would cost 10 times those of one.
    assert "findAndModify" in alone, alone
    claimed_alone = [name for name in alone if name != "findAndModify"] + ["update", "find"]
    assert sorted(together) == sorted(claimed_alone), (alone, together)


async def test_a_pass_writes_each_returning_browsers_turn_and_cursor_in_one_statement(service: Service):
    # Twenty browsers, each in an open session, sending one pageview each: the store's
    # work grows with the statements a pass carries, one per document written.
    browsers = [f"browser-{n}" for n in range(20)]
    await one_pass(service, [[RawEvent(pageview(f"{cookie}-first"), cookie)] for cookie in browsers])

    service.commands.reset()
    results = await one_pass(service, [[RawEvent(pageview(f"{cookie}-next"), cookie)] for cookie in browsers])

    assert all(isinstance(result, IngestResult) and result.session_ids == [session_id(cookie, 1)]
               for result, cookie in zip(results, browsers, strict=True)), results
    # Per browser: its turn taken, then its cursor moved with the turn given back; its
    # event; its customer; its session.
    per_browser = {name: written / len(browsers) for name, written in service.commands.written.items()}
    assert per_browser == {"identities": 2, "events": 1, "customers": 1, "sessions": 1}, per_browser
    stored = await service.services.db.identities.find({"value": {"$in": browsers}}).to_list()
    assert [doc.get("turn") for doc in stored] == [None] * len(browsers)
    assert {doc["web"]["seq"] for doc in stored} == {1}


@pytest.fixture
async def client(mongodb_uri: str):
    from storage.database import connect

    database = connect(mongodb_uri, "unused")
    yield database
    await database.client.close()


def by_browser() -> list[list[RawEvent]]:
    batches: dict[str, list[RawEvent]] = {}
    for cookie, event in BATCH:
        batches.setdefault(cookie, []).append(RawEvent(payload=event, cookie_id=cookie))
    return list(batches.values())


async def together(pipeline, batches: list[list[RawEvent]]) -> list[Any]:
    return await asyncio.gather(
        *(pipeline.ingestor.ingest(deployment_id="default", batch=batch) for batch in batches),
        return_exceptions=True,
    )


async def test_a_pass_cut_by_the_store_fails_each_batch_and_their_retries_complete_it(client):
    counter = WriteCounter()
    database, pipeline = await fresh_pipeline(client, counter)
    counter.writes = 0
    assert all(isinstance(result, IngestResult) for result in await together(pipeline, by_browser()))
    writes = counter.writes
    expected = await state(database, pipeline)
    await database.client.drop_database(database.db.name)

    for cut in sorted({1, writes // 2, writes - 1}):
        counter = WriteCounter()
        database, pipeline = await fresh_pipeline(client, counter)
        counter.writes, counter.cut_after = 0, cut
        failed = await together(pipeline, by_browser())
        assert all(isinstance(result, Cut) for result in failed), failed
        counter.cut_after = None
        retried = await together(pipeline, by_browser())
        assert all(isinstance(result, IngestResult) for result in retried), retried
        assert await state(database, pipeline) == expected, f"cut after write {cut} of {writes}"
        await database.client.drop_database(database.db.name)
