"""Shared fixtures: one embedded store process per test run (or JOURNEY_MONGODB_URI),
a fresh database per service, and the real service on a loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator

import pytest

from storage.embedded import EmbeddedStore
from tests.support.service import Service, start_service


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


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis on 6379, or one started for this test run."""
    if _answers(6379):
        yield "redis://127.0.0.1:6379"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("no Redis answers on 127.0.0.1:6379 and redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            if time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
