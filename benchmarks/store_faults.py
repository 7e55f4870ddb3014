"""What trackers see when the store goes away: answers during a store outage, how soon
ingest recovers, whether anything is lost or stored twice, and how long a shutdown under
load takes.

The service runs as `journey serve` against an embedded SQLite store this script starts on
a fixed port, kills (SIGKILL) under steady load for --outage seconds, and starts again on
the same file and port. Clients behave as the snippet does: one-event batches, and on any
answer but 200 the same batch again after Retry-After (0.5 s when there is none).

Then, with `journey serve` starting its own embedded store as `make run` does: the store
is killed once, and the time until the service is ready and stores a batch again is timed.

A service that never becomes ready, or exits, stops the run with the reason; one that is
not ready again after the store's restart is reported as such.

With --hang the store is stopped (SIGSTOP) instead, its connections left open, and
continued (SIGCONT) after the outage.

Run: .venv/bin/python benchmarks/store_faults.py [--clients 20] [--outage 10] [--port P] [--hang]
(--port: the store's; the two services take the next two; default: ports the system picks)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.service import NotReady, exit_code, wait_ready  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

RECOVERY_SECONDS = 300.0
"""How long ingest may take to answer every client again after the store is back."""


async def start_store(path: Path, port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.embedded_server", "--engine", "sqlite", "--path", str(path),
        "--port", str(port), stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
        cwd=REPO,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    assert line.startswith(b"mongodb://"), line
    return process


@dataclass
class Answer:
    client: int
    sent: float
    answered: float
    status: int
    """0: no HTTP answer (the connection failed or was dropped)."""

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


@dataclass
class Load:
    base_url: str
    answers: list[Answer] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    stop: bool = False

    async def client(self, number: int) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=300) as http:
            sequence = 0
            while not self.stop:
                event_id = f"b{number}-{sequence}"
                body = {"deploymentId": "default", "cookieId": f"bench-{number}", "events": [
                    {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/p/{sequence}"}}
                ]}
                while True:
                    sent = time.monotonic()
                    try:
                        response = await http.post("/collect", json=body)
                        status, wait = response.status_code, response.headers.get("retry-after")
                    except httpx.HTTPError:
                        status, wait = 0, None
                    self.answers.append(Answer(number, sent, time.monotonic(), status))
                    if status == 200:
                        self.confirmed.append(f"default/bench-{number}/{event_id}")
                        break
                    await asyncio.sleep(float(wait) if wait else 0.5)
                sequence += 1

    def since(self, start: float, until: float = float("inf")) -> list[Answer]:
        return [a for a in self.answers if start <= a.sent < until]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@dataclass
class Outage:
    """When the store was killed and started again, and how soon ingest answered 200 again."""

    killed: float
    restarted: float
    recovered: float | None
    """Until every client had a 200 for a batch sent after the restart (None: not within
    RECOVERY_SECONDS)."""
    first_ok: float | None


async def start_service(data: Path, store_port: int, service_port: int) -> asyncio.subprocess.Process:
    env = {
        **os.environ, "JOURNEY_MONGODB_URI": f"mongodb://127.0.0.1:{store_port}/",
        "JOURNEY_PORT": str(service_port), "JOURNEY_DATA_DIR": str(data),
        "JOURNEY_ADMIN_TOKEN": "bench", "JOURNEY_COLLECT_RATE_PER_MINUTE": "100000",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "serve", env=env, cwd=REPO,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


async def recovered_after(load: Load, clients: int, restarted: float) -> float | None:
    while time.monotonic() - restarted < RECOVERY_SECONDS:
        late: dict[int, float] = {}
        for answer in load.answers:
            if answer.status == 200 and answer.sent >= restarted:
                late.setdefault(answer.client, answer.answered)
        if len(late) == clients:
            return max(late.values()) - restarted
        await asyncio.sleep(0.2)
    return None


async def outage_under_load(
    load: Load, store: asyncio.subprocess.Process, path: Path, port: int, clients: int, outage: float,
    hang: bool = False,
) -> tuple[asyncio.subprocess.Process, Outage]:
    """Kills the store after 5 s of load and starts it again after the outage (with
    `hang`: stops it, SIGSTOP, and continues it); returns the store once every client is
    answered 200 again."""
    await asyncio.sleep(5)
    killed = time.monotonic()
    if hang:
        store.send_signal(signal.SIGSTOP)
        await asyncio.sleep(outage)
        store.send_signal(signal.SIGCONT)
    else:
        store.send_signal(signal.SIGKILL)
        await store.wait()
        await asyncio.sleep(outage)
        store = await start_store(path, port)
    restarted = time.monotonic()
    recovered = await recovered_after(load, clients, restarted)
    first_ok = min((a.answered for a in load.answers if a.status == 200 and a.answered >= restarted),
                   default=None)
    return store, Outage(killed, restarted, recovered, first_ok)


async def stored_events(port: int) -> tuple[list[str], int]:
    """The stored events' dedupe keys (browser events only) and the events their sessions count."""
    client: AsyncMongoClient = AsyncMongoClient(f"mongodb://127.0.0.1:{port}/")
    stored_ids = [doc["dedupeKey"] async for doc in client.journey.events.find({}, {"dedupeKey": 1})
                  if "#" not in doc["dedupeKey"]]
    on_sessions = sum([doc["eventCount"] async for doc in client.journey.sessions.find({}, {"eventCount": 1})])
    await client.close()
    return stored_ids, on_sessions


async def shutdown_seconds(store: asyncio.subprocess.Process, service: asyncio.subprocess.Process) -> float:
    """Stopping the service while the store is away again: how long until it has exited."""
    store.send_signal(signal.SIGKILL)
    await store.wait()
    await asyncio.sleep(3)
    shutdown_started = time.monotonic()
    service.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(service.wait(), 600)
    except TimeoutError:
        service.kill()
        await service.wait()
    return time.monotonic() - shutdown_started


async def stop_load(load: Load, tasks: list[asyncio.Task]) -> None:
    load.stop = True
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def report_outage(clients: int, outage: float, load: Load, times: Outage, hang: bool) -> None:
    during = load.since(times.killed, times.restarted)
    errors = [a for a in during if a.status != 200]
    by_status: dict[int, int] = {}
    for answer in during:
        by_status[answer.status] = by_status.get(answer.status, 0) + 1
    first_error = min((a.answered for a in errors), default=float("nan"))
    print(f"{clients} clients, store {'stopped (SIGSTOP)' if hang else 'killed'} for {outage:.0f} s")
    print(f"answers while the store was down, by status: {dict(sorted(by_status.items()))}")
    print(f"first error answer after the kill: {first_error - times.killed:.2f} s")
    error_seconds = [a.seconds for a in errors]
    print(f"error answer time while down: p50 {statistics.median(error_seconds) if errors else float('nan'):.2f} s, "
          f"p99 {percentile(error_seconds, 0.99):.2f} s")
    print(f"first 200 after the store {'continued' if hang else 'restarted'}: "
          f"{since_restart(times.first_ok, times.restarted)}")
    print(f"every client answered 200 again after: {shown(times.recovered, RECOVERY_SECONDS)}")


def shown(seconds: float | None, limit: float) -> str:
    return f"{seconds:.2f} s" if seconds is not None else f"NOT within {limit:.0f} s"


def since_restart(answered: float | None, restarted: float) -> str:
    return shown(None if answered is None else answered - restarted, RECOVERY_SECONDS)


async def run(clients: int, outage: float, store_port: int, service_port: int, hang: bool = False) -> None:
    data = Path(tempfile.mkdtemp(prefix="store-faults-"))
    store = await start_store(data / "journey.sqlite", store_port)
    service = await start_service(data, store_port, service_port)
    base_url = f"http://127.0.0.1:{service_port}"
    try:
        async with httpx.AsyncClient(base_url=base_url) as http:
            await wait_ready(http, service)
    except NotReady:
        for process in (service, store):
            if process.returncode is None:
                process.kill()
                await process.wait()
        shutil.rmtree(data, ignore_errors=True)
        raise
    load = Load(base_url)
    tasks = [asyncio.create_task(load.client(n)) for n in range(clients)]
    store, times = await outage_under_load(
        load, store, data / "journey.sqlite", store_port, clients, outage, hang=hang
    )
    await asyncio.sleep(2)
    confirmed = set(load.confirmed)
    stored_ids, on_sessions = await stored_events(store_port)
    shutdown = await shutdown_seconds(store, service)
    await stop_load(load, tasks)

    report_outage(clients, outage, load, times, hang)
    stored = set(stored_ids)
    print(f"events confirmed (200) {len(confirmed)}; stored {len(stored_ids)}, of them distinct "
          f"{len(stored)}; confirmed but not stored {len(confirmed - stored)}; counted on their "
          f"sessions {on_sessions}")
    print(f"shutdown under load with the store away (SIGINT to exit): {shutdown:.2f} s")
    shutil.rmtree(data, ignore_errors=True)


def store_pid(data: Path) -> int | None:
    """The embedded store's process id: from its lock file, or found by its SQLite file."""
    try:
        return int((data / "store.lock").read_text())
    except (OSError, ValueError):
        pass
    for entry in Path("/proc").iterdir():
        try:
            if str(data / "journey.sqlite") in (entry / "cmdline").read_bytes().decode(errors="replace"):
                return int(entry.name)
        except (OSError, ValueError):
            continue
    return None


async def ready_again(http: httpx.AsyncClient, service: asyncio.subprocess.Process, wait: float) -> str:
    try:
        return f"{await wait_ready(http, service, timeout=wait):.2f} s"
    except NotReady as error:
        return f"NEVER: {error}"


async def stored_again(
    http: httpx.AsyncClient, service: asyncio.subprocess.Process, killed: float, wait: float
) -> str:
    body = {"deploymentId": "default", "cookieId": "supervised", "events": [
        {"id": "after-kill", "type": "pageview", "page": {"url": "https://shop.example/"}}]}
    while time.monotonic() - killed < wait and exit_code(service) is None:
        try:
            if (await http.post("/collect", json=body)).status_code == 200:
                return f"{time.monotonic() - killed:.2f} s"
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    code = exit_code(service)
    return f"NEVER: not within {wait:.0f} s" if code is None else f"NEVER: the service exited with code {code}"


async def supervision(port: int, wait: float = 60.0) -> None:
    """The store is killed under `journey serve`, which starts it again: a restart that
    does not bring the service back within `wait` seconds is reported as such."""
    data = Path(tempfile.mkdtemp(prefix="store-supervision-"))
    env = {**os.environ, "JOURNEY_PORT": str(port), "JOURNEY_DATA_DIR": str(data),
           "JOURNEY_ADMIN_TOKEN": "bench", "JOURNEY_DEMO": "false"}
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "serve", env=env, cwd=REPO,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            await wait_ready(http, service)
            pid = store_pid(data)
            if pid is None:
                raise SystemExit(f"no embedded store runs on {data}")
            os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            ready, stored = await asyncio.gather(
                ready_again(http, service, wait), stored_again(http, service, killed, wait)
            )
    finally:
        if service.returncode is None:
            service.send_signal(signal.SIGTERM)
            await service.wait()
        leftover = store_pid(data)
        if leftover is not None:  # the one started by hand when unsupervised; gone otherwise
            try:
                os.kill(leftover, signal.SIGTERM)
            except ProcessLookupError:
                pass
        shutil.rmtree(data, ignore_errors=True)

    print(f"embedded store killed under `journey serve`: ready again after {ready}, "
          f"a batch stored again after {stored}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--port", type=int, help="the store's; the two services take the next two")
    parser.add_argument("--hang", action="store_true",
                        help="stop the store (SIGSTOP) instead of killing it: its connections stay open and "
                             "nothing answers; the supervised store's part is left out")
    args = parser.parse_args()
    ports = [args.port, args.port + 1, args.port + 2] if args.port else [free_port() for _ in range(3)]
    asyncio.run(run(args.clients, args.outage, ports[0], ports[1], hang=args.hang))
    if not args.hang:
        asyncio.run(supervision(ports[2]))


if __name__ == "__main__":
    main()
