"""Shared fixtures: one embedded store process per test run (or JOURNEY_MONGODB_URI),
a fresh database per service, and the real service on a loopback port."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import Database, connect
from storage.embedded import EmbeddedStore
from tests.support.ports import free_port
from tests.support.redis_server import answers, start_redis
from tests.support.service import Service, start_service

BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser and Redis tests are marked by where they are and what they use, so a new
    one cannot forget its marker."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)


@pytest.fixture(scope="session")
async def mongodb_uri() -> AsyncIterator[str]:
    external = os.environ.get("JOURNEY_MONGODB_URI")
    if external:
        yield external
        return
    store = EmbeddedStore(engine="memory")
    uri = await store.start()
    try:
        yield uri
    finally:
        await store.stop()


@pytest.fixture
async def db(mongodb_uri: str) -> AsyncIterator[Database]:
    """A database of its own for one test, dropped after it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    database = connect(mongodb_uri, name)
    try:
        yield database
    finally:
        await database.client.drop_database(name)
        await database.client.close()


@pytest.fixture
async def service(mongodb_uri: str) -> AsyncIterator[Service]:
    running = await start_service(mongodb_uri)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def start(mongodb_uri: str):
    """Start services with chosen settings; all are stopped after the test."""
    started: list[Service] = []

    async def starter(**overrides) -> Service:
        running = await start_service(mongodb_uri, **overrides)
        started.append(running)
        return running

    yield starter
    for running in reversed(started):
        await running.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis on 6379, or one started for this test run."""
    if answers(6379):
        yield "redis://127.0.0.1:6379"
        return
    port = free_port()
    process = start_redis(port)
    try:
        deadline = time.monotonic() + 10
        while not answers(port):
            if time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
