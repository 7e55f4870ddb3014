"""The read paths served by the store cost the embedded SQLite engine the same work with
4 times as many documents stored: each is led by an equality on a field with a
single-field index, sorted by the store or not, or sorted by a date field that a
single-field index orders (correction 6).

Work is counted in SQLite virtual-machine steps (a progress handler on every connection
the engine opens): it does not depend on the machine or its load."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import UpdateOne

from loaders import JOURNEY_ORDER, SESSION_ORDER
from storage import embedded_corrections, journeys, sessions
from storage.database import Database
from storage.pages import children_pages
from tests.support.sqlite_work import WorkCounter, sqlite_store

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)
pytestmark = pytest.mark.skipif(
    not embedded_corrections.applicable(), reason="corrections are written for one mongoeco version"
)


async def seed(db: Database, start: int, end: int) -> None:
    """Five events a session, two sessions a customer; the first ten sessions are active."""
    for first in range(start, end, 200):
        numbers = range(first, min(end, first + 200))
        await db.events.insert_many([{
            "_id": f"e{n}", "dedupeKey": f"d/{n}", "cookieId": f"c{n // 10}", "customerId": f"u{n // 10}",
            "sessionId": f"s{n // 5}", "kind": "PAGEVIEW", "occurredAt": NOW + timedelta(seconds=n),
        } for n in numbers])
        await db.sessions.bulk_write([UpdateOne({"_id": f"s{n // 5}"}, {"$set": {
            "customerId": f"u{n // 10}", "type": "WEB", "status": "ACTIVE" if n < 50 else "INACTIVE",
            "startedAt": NOW + timedelta(seconds=n), "lastActivityAt": NOW + timedelta(seconds=n),
        }}, upsert=True) for n in numbers])


READS: dict[str, Callable[[Database], Awaitable[Any]]] = {
    "sweeper's stale sessions": lambda db: sessions.stale(db, idle_before=NOW + timedelta(seconds=30), limit=100),
    "tracked items of 20 sessions": lambda db: journeys.tracked_items(
        db, session_ids=[f"s{k}" for k in range(20)]),
    "a session's journey": lambda db: children_pages(
        db, "events", parent_field="sessionId", parent_ids=["s3"], sort=JOURNEY_ORDER, limit=3),
    "a session's journey, next page": lambda db: children_pages(
        db, "events", parent_field="sessionId", parent_ids=["s3"], sort=JOURNEY_ORDER, limit=3,
        after=[NOW + timedelta(seconds=17), "e17"]),
    "a customer's cards": lambda db: children_pages(
        db, "sessions", parent_field="customerId", parent_ids=["u3"], sort=SESSION_ORDER, limit=1),
    "the cards of 3 customers": lambda db: children_pages(
        db, "sessions", parent_field="customerId", parent_ids=["u3", "u4", "u5"], sort=SESSION_ORDER, limit=1),
    "Live Now": lambda db: sessions.live(db, idle_before=NOW, limit=4, after=None),
    "Live Now, next page": lambda db: sessions.live(
        db, idle_before=NOW, limit=4, after=(NOW + timedelta(seconds=29), "s5")),
    "training's ended sessions": lambda db: journeys.ended_sessions(db, idle_before=NOW + timedelta(days=1), limit=10),
}
SCAN: dict[str, Callable[[Database], Awaitable[Any]]] = {
    # Positive control: a sorted read led by an equality that no single-field index
    # serves reads every document.
    "web sessions sorted by the store": lambda db: db.sessions.find({"type": "WEB"}).sort(SESSION_ORDER).limit(1)
        .to_list(),
}


async def work_per_read(db: Database, counter: WorkCounter) -> dict[str, int]:
    work = {}
    for name, read in {**READS, **SCAN}.items():
        assert await read(db), name  # once before (what the engine learns once is not counted); it finds something
        await db.client.admin.command("serverStatus")  # changes owed to the hub are handed over before counting
        counter.steps = 0
        await read(db)
        work[name] = counter.steps
    return work


@pytest.mark.slow
@pytest.mark.timeout(600)  # filling the store takes most of it
async def test_reads_cost_the_same_with_four_times_the_data(
    tmp_path: Path, counted: WorkCounter, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(embedded_corrections, "DELIVERY_WINDOW_SECONDS", 3600)  # no hand-over while counting
    with embedded_corrections.applied():
        async with sqlite_store(tmp_path) as db:
            await seed(db, 0, 500)
            small = await work_per_read(db, counted)
            await seed(db, 500, 2000)
            large = await work_per_read(db, counted)
    print("SQLite steps per read at 500 and 2000 stored events:", {name: (small[name], large[name]) for name in small})
    for name in READS:
        assert large[name] <= small[name] * 1.3 + 500, (name, small[name], large[name])
    for name in SCAN:
        assert large[name] > small[name] * 2, (name, small[name], large[name])
