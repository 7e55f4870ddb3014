"""An embedded SQLite store served in the test's own process, and a count of the work
SQLite does for it: virtual-machine steps, from a progress handler on every connection
the engine opens, which do not depend on the machine or its load."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mongoeco.engines import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer

from storage import embedded_corrections
from storage.database import Database, connect, ensure_indexes

STEP = 50


class WorkCounter:
    def __init__(self) -> None:
        self.steps = 0

    def tick(self) -> int:
        self.steps += STEP
        return 0


def count_sqlite_work(monkeypatch: pytest.MonkeyPatch) -> WorkCounter:
    """Counts the work of every SQLite connection opened from here on."""
    counter = WorkCounter()
    opened = sqlite3.connect

    def connect_counted(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = opened(*args, **kwargs)
        connection.set_progress_handler(counter.tick, STEP)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect_counted)
    return counter


@asynccontextmanager
async def sqlite_store(tmp_path: Path, *, file: Path | None = None, database: str = "store") -> AsyncIterator[Database]:
    """A store on a SQLite file of its own (or `file`), with the service's indexes."""
    engine = SQLiteEngine(str(file or tmp_path / f"{uuid.uuid4().hex}.sqlite"))
    server = AsyncMongoEcoProxyServer(engine=engine, host="127.0.0.1", port=0)
    address = await server.start()
    db = connect(address.uri, database)
    try:
        await ensure_indexes(db, retention_seconds=10**9)
        yield db
    finally:
        await db.client.close()
        await server.close()


async def without_and_with_corrections(tmp_path: Path, run: Callable[[Database], Awaitable[Any]]) -> tuple[Any, Any]:
    """What `run` answers on a store of its own, unmodified and then corrected."""
    async with sqlite_store(tmp_path) as db:
        unmodified = await run(db)
    with embedded_corrections.applied():
        async with sqlite_store(tmp_path) as db:
            corrected = await run(db)
    return unmodified, corrected
