"""`journey serve` with its embedded store, run as `make run` runs it: the store is started
again when it dies, stopped only after the service has drained, never doubled on one data
directory, and a second service on a busy port or data directory is refused at once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from storage.store_lock import LOCK_FILE, SERVICE_LOCK_FILE, DirectoryLock
from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # kills and restarts store processes

REPO = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def event(event_id: str) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/{event_id}"}}


class Journey:
    """`journey serve` in a process group of its own, as a terminal runs a foreground job."""

    def __init__(self, data_dir: Path, port: int, log: Path) -> None:
        self.data_dir, self.port, self.log = data_dir, port, log
        self.process: asyncio.subprocess.Process | None = None
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60)

    async def start(self) -> Journey:
        env = {**os.environ, "JOURNEY_DATA_DIR": str(self.data_dir), "JOURNEY_PORT": str(self.port),
               "JOURNEY_ADMIN_TOKEN": "t", "JOURNEY_DEMO": "false"}
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app.cli", "serve", env=env, cwd=REPO, stdout=log, stderr=log,
                start_new_session=True,
            )
        return self

    async def ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.returncode is None, self.log.read_text()
            try:
                if (await self.http.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the service did not become ready"
            await asyncio.sleep(0.2)

    async def exit_code(self, timeout: float = 60) -> int:
        return await asyncio.wait_for(self.process.wait(), timeout)

    def store_pid(self) -> int | None:
        return DirectoryLock(self.data_dir / LOCK_FILE).holder()

    async def collect(self, *event_ids: str) -> httpx.Response:
        return await self.http.post("/collect", json={
            "deploymentId": "default", "cookieId": "c-1", "events": [event(e) for e in event_ids]
        })

    async def close(self) -> None:
        await self.http.aclose()
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def journeys(tmp_path):
    started: list[Journey] = []

    async def starter(data_dir: Path, port: int) -> Journey:
        journey = Journey(data_dir, port, tmp_path / f"journey-{len(started)}.log")
        started.append(journey)
        return await journey.start()

    yield starter
    for journey in started:
        await journey.close()


async def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_store_restarted_when_killed_and_stopped_after_draining(tmp_path: Path, journeys):
    data = tmp_path / "data"
    service = await journeys(data, free_port())
    await service.ready()
    assert (await service.collect("e1")).status_code == 200

    # A second `make run` is refused before it starts anything.
    same_dir = await journeys(data, free_port())
    assert await same_dir.exit_code() == 1
    assert "another Journey Graph service" in same_dir.log.read_text()
    other_dir = tmp_path / "other"
    same_port = await journeys(other_dir, service.port)
    assert await same_port.exit_code() == 1
    assert f"cannot listen on 127.0.0.1:{service.port}" in same_port.log.read_text()
    assert not other_dir.exists() or not list(other_dir.iterdir())

    first_store = service.store_pid()
    os.kill(first_store, signal.SIGKILL)
    assert (await service.http.get("/livez")).status_code == 200
    await service.ready(timeout=30)
    assert service.store_pid() not in (None, first_store)
    body = (await service.collect("e1", "e2")).json()
    assert [e["status"] for e in body["events"]] == ["duplicate", "accepted"]

    # Ctrl+C while a batch is being stored: the batch completes, then the store stops.
    in_flight = asyncio.create_task(service.collect(*(f"big-{n}" for n in range(150))))
    await asyncio.sleep(0.3)
    store = service.store_pid()
    os.killpg(service.process.pid, signal.SIGINT)
    response = await in_flight
    assert response.status_code == 200 and response.json()["accepted"] == 150
    assert await service.exit_code() == 0
    assert not alive(store)
    assert not DirectoryLock(data / LOCK_FILE).is_held()
    assert not DirectoryLock(data / SERVICE_LOCK_FILE).is_held()


async def test_leftover_store_is_reused_and_one_that_does_not_answer_refused(tmp_path: Path, journeys):
    data = tmp_path / "data"
    data.mkdir()
    leftover = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.embedded_server", "--engine", "sqlite",
        "--path", str(data / "journey.sqlite"), cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert (await leftover.stdout.readline()).startswith(b"mongodb://")
        service = await journeys(data, free_port())
        await service.ready()
        assert service.store_pid() == leftover.pid
        assert (await service.collect("e1")).status_code == 200
        service.process.kill()
        await service.exit_code()
        assert leftover.returncode is None  # it was not this service's to stop

        leftover.send_signal(signal.SIGSTOP)
        wedged = await journeys(data, free_port())
        assert await wedged.exit_code(timeout=90) != 0
        assert f"(pid {leftover.pid})" in wedged.log.read_text()
        assert "does not answer" in wedged.log.read_text()
    finally:
        leftover.send_signal(signal.SIGCONT)
        leftover.terminate()
        await leftover.wait()


async def test_killed_service_leaves_no_store_behind(tmp_path: Path, journeys):
    data = tmp_path / "data"
    service = await journeys(data, free_port())
    await service.ready()
    store = service.store_pid()
    service.process.kill()
    await service.exit_code()
    await wait_until(lambda: not alive(store))
    assert not DirectoryLock(data / LOCK_FILE).is_held()
