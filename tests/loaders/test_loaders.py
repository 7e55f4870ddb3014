"""The per-request loaders: keys asked for together are read together, and every way of
reading a session keeps to the caller's divisions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from access import permissions
from access.principal import Principal
from loaders import Loaders
from storage.database import Database, connect
from tests.support.service import CommandCounter

STARTED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SALES_AGENT = Principal(name="ann", permissions=frozenset(permissions.VIEW), divisions=frozenset({"sales"}))


@pytest.fixture
async def database(mongodb_uri: str) -> AsyncIterator[tuple[Database, CommandCounter]]:
    commands = CommandCounter()
    db = connect(mongodb_uri, f"t_{uuid.uuid4().hex[:12]}", event_listeners=[commands])
    try:
        yield db, commands
    finally:
        await db.client.drop_database(db.db.name)
        await db.client.close()


def session(session_id: str, customer: str, minutes: int, **fields) -> dict:
    return {"_id": session_id, "customerId": customer, "type": "WEB",
            "startedAt": STARTED + timedelta(minutes=minutes), **fields}


def conversation(session_id: str, customer: str, minutes: int, division: str) -> dict:
    return session(session_id, customer, minutes, type="CONVERSATION", divisionId=division)


async def test_sessions_asked_for_together_are_read_in_one_round_trip(database):
    db, commands = database
    await db.sessions.insert_many([session(f"s{n}", "c", n) for n in range(3)])
    loaders = Loaders(db, Principal.admin())
    commands.reset()
    found = await asyncio.gather(*(loaders.session.load(key) for key in ("s2", "s0", "missing")))
    assert [doc and doc["_id"] for doc in found] == ["s2", "s0", None]
    assert commands.commands == ["find"]


async def test_pages_of_several_customers_asked_for_together_are_one_query(database):
    db, commands = database
    await db.sessions.insert_many([session(f"{customer}-{n}", customer, n) for customer in "ab" for n in range(3)])
    loaders = Loaders(db, Principal.admin())
    commands.reset()
    first_a, first_b = await asyncio.gather(loaders.session_page.load(("a", 2, None)),
                                            loaders.session_page.load(("b", 2, None)))
    assert [doc["_id"] for doc in first_a] == ["a-2", "a-1"]  # newest first
    assert [doc["_id"] for doc in first_b] == ["b-2", "b-1"]
    assert commands.count == 1


async def test_a_conversation_of_another_division_cannot_be_read_by_id_or_in_a_page(database):
    db, _ = database
    await db.sessions.insert_many([
        session("web", "c", 0), conversation("sales-call", "c", 1, "sales"),
        conversation("support-call", "c", 2, "support"),
    ])
    loaders = Loaders(db, SALES_AGENT)
    assert await loaders.session.load("support-call") is None
    assert (await loaders.session.load("sales-call"))["_id"] == "sales-call"
    page = await loaders.session_page.load(("c", 10, None))
    assert [doc["_id"] for doc in page] == ["sales-call", "web"]
    everything = await Loaders(db, Principal.admin()).session_page.load(("c", 10, None))
    assert [doc["_id"] for doc in everything] == ["support-call", "sales-call", "web"]


async def test_a_page_after_a_cursor_continues_where_the_last_ended(database):
    db, _ = database
    await db.sessions.insert_many([session(f"s{n}", "c", n) for n in range(5)])
    loaders = Loaders(db, Principal.admin())
    first = await loaders.session_page.load(("c", 2, None))
    last = first[-1]
    rest = await loaders.session_page.load(("c", 10, (last["startedAt"], last["_id"])))
    assert [doc["_id"] for doc in first + rest] == ["s4", "s3", "s2", "s1", "s0"]
