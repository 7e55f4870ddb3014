"""How a session's prediction state is stored: two batches stored at once both count,
and event names holding dots survive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from journey.outcomes.features import record_state, session_state
from storage import sessions
from storage.database import Database

AT = datetime(2025, 1, 1, tzinfo=UTC)


async def store(db: Database, start: dict, end: dict) -> dict:
    """Store the change from start to end as one batch would; the stored state after it."""
    delta = sessions.SessionDelta(session_id="s", customer_id="c", cookie_id="k", deployment_id="d",
                                  seq=1, started_at=AT, last_activity_at=AT, batch=uuid.uuid4().hex)
    record_state(delta, start, end)
    await sessions.apply(db, deltas=[delta])
    [stored] = await sessions.by_ids(db, ids=["s"])
    return session_state(stored)


async def test_two_batches_from_one_state_both_count(db: Database):
    start = {"pageviews": 1, "last_at": 10.0, "elapsed_seconds": 0.0, "page_sketch": 0b001}
    await store(db, {}, start)
    await store(db, start, {**start, "pageviews": 2, "last_at": 30.0, "page_sketch": 0b011})
    state = await store(db, start, {**start, "pageviews": 2, "last_at": 20.0, "page_sketch": 0b101})
    assert state == {"pageviews": 3, "last_at": 30.0, "elapsed_seconds": 0.0, "page_sketch": 0b111}


async def test_event_names_with_dots_survive_storage(db: Database):
    assert await store(db, {}, {"name:cart.add": 1, "tracked_names": 1}) == {"name:cart.add": 1, "tracked_names": 1}


async def test_the_category_a_visitor_is_on_is_one_the_batches_named(db: Database):
    # An identifier, not a count: two batches from one state leave one of their categories.
    boots, hats, scarves = {"category_code": 2_000_000_000}, {"category_code": 7}, {"category_code": 3_000_000}
    await store(db, {}, boots)
    await store(db, boots, hats)
    assert await store(db, boots, scarves) == scarves


async def test_where_the_visitor_stands_with_the_cart_is_one_the_batches_said(db: Database):
    # Flags and a distance from the latest cart add, not counts: two batches from one
    # state leave one batch's word, never their changes added up.
    start = {"current_item_carted": 0, "current_item_carted_before": 0, "events_since_cart": 3}
    back_on_carted = {"current_item_carted": 1, "current_item_carted_before": 1, "events_since_cart": 4}
    just_carted = {"current_item_carted": 1, "current_item_carted_before": 1, "events_since_cart": 0}
    await store(db, {}, start)
    await store(db, start, back_on_carted)
    assert await store(db, start, just_carted) == just_carted
