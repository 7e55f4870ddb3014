"""Live fan-out figures: one POST /collect pageview pushed to N subscribers of one session's
journeyMap, against raw `websockets.broadcast` of the same frame to the same N sockets.

The service runs as `make run` runs it (`python -m app.cli serve`, embedded store in a
temporary data directory); the raw broadcaster runs in a process of its own; this process
is the client of both, so client-side costs weigh the same on both sides.

Printed: all-delivered time for each N (median and range of the rounds) from sending the
POST, so it includes the ingest before the push; the raw figure and the ratio; the
first-to-last arrival spread of both (the fan-out alone); the service's RSS per idle
subscribed socket; the delay from POST /collect to a subscriber with 1,000 other
subscribers listening. Past N=1,000 each socket carries 20 subscriptions (--per-socket)
and the raw server sends the frame as many times to each socket.

Run: .venv/bin/python benchmarks/fanout.py [--sizes 100,1000,10000] [--rounds 5] [--port 18130]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script's own folder, not the repository, is on sys.path

from benchmarks.service import READY_PATH, wait_ready  # noqa: E402

TOKEN = "fanout-benchmark-token"
PROTOCOL = Subprotocol("graphql-transport-ws")
MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { id kind icon occurredAt page { url title } } }"
OPENING_CONCURRENCY = 200

RAW_SERVER = r"""
import asyncio, sys
from websockets.asyncio.server import broadcast, serve

clients = set()

async def handler(ws):
    if ws.request.path == "/control":
        async for message in ws:
            times, _, frame = message.partition("\n")
            for _ in range(int(times)):
                broadcast(clients, frame)
            await ws.send(str(len(clients)))
        return
    clients.add(ws)
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)

async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None, max_queue=None):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
"""


def raise_fd_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def pageview(n: int, session: str) -> dict:
    return {"id": f"{session}-{n}-{time.time_ns()}", "type": "pageview",
            "page": {"url": f"https://shop.example/products/{n}", "title": f"Product {n}"}}


class Receivers:
    """N open sockets; each records when its next frame arrives."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.arrivals: list[float] = []
        self.expected = 0
        self.done = asyncio.Event()
        self.last_frame = ""
        self.spreads: list[float] = []
        """Per round: first to last arrival, the fan-out without the ingest before it."""
        self._tasks: list[asyncio.Task] = []

    def expect(self, count: int) -> None:
        self.arrivals = []
        self.expected = count
        self.done = asyncio.Event()

    def start_reading(self) -> None:
        self._tasks = [asyncio.create_task(self._read(ws)) for ws in self.sockets]

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for frame in ws:
                self.arrivals.append(time.perf_counter())
                self.last_frame = frame if isinstance(frame, str) else frame.decode()
                if len(self.arrivals) >= self.expected:
                    self.done.set()
        except Exception:
            pass

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.sockets = []


async def open_many(count: int, opener) -> list[ClientConnection]:
    gate = asyncio.Semaphore(OPENING_CONCURRENCY)

    progress = {"opened": 0}

    async def one() -> ClientConnection:
        async with gate:
            ws = await opener()
            progress["opened"] += 1
            if progress["opened"] % 2000 == 0:
                print(f"    {progress['opened']} of {count} sockets open", flush=True)
            return ws

    opened = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    sockets = [ws for ws in opened if isinstance(ws, ClientConnection)]
    if len(sockets) < count:
        failure = next(error for error in opened if not isinstance(error, ClientConnection))
        print(f"    opened {len(sockets)} of {count} sockets ({type(failure).__name__}: {failure})", flush=True)
    return sockets


def journey_opener(url: str, session_id: str, subscriptions: int = 1):
    async def opener() -> ClientConnection:
        ws = await connect(url, subprotocols=[PROTOCOL], open_timeout=60, max_queue=None)
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {TOKEN}"}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if ack["type"] != "connection_ack":
            raise RuntimeError(f"not acknowledged: {ack}")
        for n in range(subscriptions):
            await ws.send(json.dumps({"id": str(n + 1), "type": "subscribe",
                                      "payload": {"query": MAP, "variables": {"id": session_id}}}))
        return ws

    return opener


async def wait_subscribers(http: httpx.AsyncClient, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = await http.get(READY_PATH)
        if response.status_code == 200 and response.json().get("liveSubscribers", 0) >= count:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the service never reported {count} live subscribers")


async def timed_round(receivers: Receivers, count: int, trigger, timeout: float) -> float | None:
    """Milliseconds until all `count` sockets got the push, None if some never did."""
    receivers.expect(count)
    started = time.perf_counter()
    await trigger()
    try:
        await asyncio.wait_for(receivers.done.wait(), timeout)
    except TimeoutError:
        print(f"    only {len(receivers.arrivals)} of {count} delivered within {timeout:.0f} s", flush=True)
        return None
    arrivals = receivers.arrivals[:count]
    receivers.spreads.append((max(arrivals) - min(arrivals)) * 1000)
    return (max(arrivals) - started) * 1000


def raw_broadcast(control: ClientConnection, per_socket: int, frame: str) -> Callable[[], Awaitable[None]]:
    """One round of the raw server's broadcast of frame, per_socket times to each socket."""

    async def broadcast() -> None:
        await control.send(f"{per_socket}\n{frame}")
        await control.recv()

    return broadcast


def summary(values: list[float | None]) -> str:
    delivered = [v for v in values if v is not None]
    if len(delivered) < len(values):
        return f"{len(values) - len(delivered)}/{len(values)} rounds not all delivered"
    return f"median {statistics.median(delivered):.0f} ms ({min(delivered):.0f}–{max(delivered):.0f})"


Row = tuple[str, str, str, str, str]


@dataclass
class Service:
    """The service under measure, as this process reaches it."""

    process: subprocess.Popen
    http: httpx.AsyncClient
    graphql: str
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    async def collect(self, n: int, session_cookie: str) -> dict:
        response = await self.http.post("/collect", json={
            "deploymentId": "default", "cookieId": session_cookie, "events": [pageview(n, session_cookie)]})
        response.raise_for_status()
        return response.json()

    async def collect_next(self, session_cookie: str) -> dict:
        return await self.collect(next(self.counter), session_cookie)


def start_processes(port: int) -> tuple[subprocess.Popen, subprocess.Popen]:
    """The service, as `make run` starts it, and the raw broadcaster on the next port."""
    data_dir = tempfile.mkdtemp(prefix="fanout-")
    env = {**os.environ, "JOURNEY_PORT": str(port), "JOURNEY_ADMIN_TOKEN": TOKEN,
           "JOURNEY_DATA_DIR": data_dir, "JOURNEY_COLLECT_RATE_PER_MINUTE": "100000",
           "JOURNEY_MAX_CONNECTIONS_PER_PRINCIPAL": "100000", "JOURNEY_MAX_CONNECTIONS_PER_CLIENT": "100000",
           "JOURNEY_MAX_SUBSCRIPTIONS_PER_PRINCIPAL": "100000"}
    # Started before anything is timed and left running beside the loop: nothing to await.
    service = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    raw = subprocess.Popen([sys.executable, "-c", RAW_SERVER, str(port + 1)],
                           stdout=subprocess.PIPE, text=True)
    return service, raw


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


async def journey_rounds(
    service: Service, receivers: Receivers, size: int, rounds: int, timeout: float
) -> list[float | None]:
    receivers.start_reading()
    return [await timed_round(receivers, size, lambda: service.collect_next("watched"), timeout)
            for _ in range(rounds)]


async def raw_rounds(
    port: int, sockets: int, per_socket: int, frame: str, rounds: int, timeout: float
) -> tuple[list[float | None], list[float]]:
    """The raw server's rounds of the same frame to as many sockets, and their spreads."""
    receivers = Receivers()
    receivers.sockets = await open_many(
        sockets, lambda: connect(f"ws://127.0.0.1:{port + 1}/", open_timeout=60, max_queue=None))
    control = await connect(f"ws://127.0.0.1:{port + 1}/control")
    receivers.start_reading()
    broadcast = raw_broadcast(control, per_socket, frame)
    rounds_done = [await timed_round(receivers, sockets * per_socket, broadcast, timeout) for _ in range(rounds)]
    await control.close()
    await receivers.close()
    return rounds_done, receivers.spreads


def ratio_of(journey: list[float | None], raw: list[float | None]) -> str:
    journey_done = [seconds for seconds in journey if seconds is not None]
    raw_done = [seconds for seconds in raw if seconds is not None]
    if len(journey_done) == len(journey) and len(raw_done) == len(raw):
        return f"{statistics.median(journey_done) / statistics.median(raw_done):.1f}×"
    return "–"


def spreads_of(spread: list[float], raw_spread: list[float], rounds: int) -> str:
    if spread and raw_spread and len(spread) == rounds:
        return (f"{statistics.median(spread):.0f} ms vs raw {statistics.median(raw_spread):.0f} ms "
                f"({statistics.median(spread) / statistics.median(raw_spread):.1f}×)")
    return "–"


async def measure_size(
    args: argparse.Namespace, service: Service, session_id: str, size: int
) -> tuple[Row, tuple[float, int] | None]:
    """One row of the table; with it the service's RSS growth per socket and the number
    of sockets, when each socket holds one subscription."""
    # Past 1,000 subscribers, 20 subscriptions per socket (as a console with several
    # open cards has): the client process could not serve 10,000 sockets in time.
    per_socket = 1 if size <= 1000 else args.per_socket
    sockets = -(-size // per_socket)
    label = f"{size:,}" if per_socket == 1 else f"{size:,} ({sockets:,} sockets × {per_socket})"
    print(f"  N={label}: opening {sockets:,} sockets", flush=True)
    rss_before = rss_kib(service.process.pid)
    receivers = Receivers()
    receivers.sockets = await open_many(sockets, journey_opener(service.graphql, session_id, per_socket))
    if len(receivers.sockets) < sockets:
        await receivers.close()
        return (label, f"could not open {sockets:,} subscribed sockets", "–", "–", "–"), None
    await wait_subscribers(service.http, sockets * per_socket)
    await asyncio.sleep(1.0)
    rss_per_socket = (rss_kib(service.process.pid) - rss_before) / sockets
    size = sockets * per_socket
    print(f"  N={label}: {args.rounds} rounds", flush=True)
    timeout = max(10.0, size / 200)
    journey = await journey_rounds(service, receivers, size, args.rounds, timeout)
    frame = receivers.last_frame
    await receivers.close()

    print(f"  N={label}: raw broadcast", flush=True)
    raw, raw_spread = await raw_rounds(args.port, sockets, per_socket, frame, args.rounds, timeout)
    ratio = ratio_of(journey, raw)
    spreads = spreads_of(receivers.spreads, raw_spread, len(journey))
    print(f"N={label}: journey graph {summary(journey)}; raw broadcast {summary(raw)}; "
          f"ratio {ratio}; first→last {spreads}; RSS +{rss_per_socket:.1f} KiB per socket",
          flush=True)
    await asyncio.sleep(2.0)  # let the service close the sockets before the next size
    return (label, summary(journey), summary(raw), ratio, spreads), (
        (rss_per_socket, sockets) if per_socket == 1 else None)


async def push_delays(
    service: Service, session_id: str, idle_session: str, samples: int
) -> tuple[list[float], list[float]]:
    """Delay from sending POST /collect to one subscriber's frame, 1,000 others listening
    to another session; and to the POST's answer. The frame is read while the POST is
    under way: it arrives before the answer, which waits for the writes after the push."""
    listeners = Receivers()
    listeners.sockets = await open_many(1000, journey_opener(service.graphql, idle_session))
    watcher = await journey_opener(service.graphql, session_id)()
    await wait_subscribers(service.http, 1001)

    async def arrival() -> float:
        await asyncio.wait_for(watcher.recv(), 10)
        return time.perf_counter()

    to_frame, to_answer = [], []
    for _ in range(samples):
        receiving = asyncio.create_task(arrival())
        await asyncio.sleep(0)  # reading before the POST goes out
        sent = time.perf_counter()
        await service.collect_next("watched")
        answered = time.perf_counter()
        received = await receiving
        to_frame.append((received - sent) * 1000)
        to_answer.append((answered - sent) * 1000)
    await watcher.close()
    await listeners.close()
    return to_frame, to_answer


def report(
    results: list[Row], rss: tuple[float, int] | None, samples: int, delays: tuple[list[float], list[float]]
) -> None:
    print("\n| N | Journey Graph: POST sent → all delivered | raw websockets.broadcast | ratio "
          "| first → last arrival (the fan-out alone) |")
    print("|---|---|---|---|---|")
    for label, journey_text, raw_text, ratio, spreads in results:
        print(f"| {label} | {journey_text} | {raw_text} | {ratio} | {spreads} |")
    if rss is not None:
        rss_per_socket, rss_size = rss
        print(f"\nservice RSS per idle subscribed socket ({rss_size:,} sockets, one subscription each): "
              f"{rss_per_socket:.1f} KiB")
    to_frame, to_answer = delays
    print(f"POST /collect → subscriber, 1,000 others listening, {samples} pushes: "
          f"median {statistics.median(to_frame):.1f} ms from sending the POST to the subscriber's frame "
          f"(the POST answered after {statistics.median(to_answer):.1f} ms)")


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit()
    process, raw = start_processes(args.port)
    base = f"http://127.0.0.1:{args.port}"
    http = httpx.AsyncClient(base_url=base, timeout=60)
    try:
        assert raw.stdout is not None and raw.stdout.readline().strip() == "ready"
        await wait_ready(http, process)
        service = Service(process, http, base.replace("http", "ws") + "/graphql")
        session_id = (await service.collect(0, "watched"))["sessionIds"][0]
        idle_session = (await service.collect(0, "idle"))["sessionIds"][0]
        results: list[Row] = []
        rss = None
        for size in args.sizes:
            row, one_per_socket = await measure_size(args, service, session_id, size)
            results.append(row)
            rss = one_per_socket or rss
        delays = await push_delays(service, session_id, idle_session, args.latency_samples)
        report(results, rss, args.latency_samples, delays)
    finally:
        await http.aclose()
        stop(process, raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        type=lambda text: [int(part) for part in text.split(",")])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-socket", type=int, default=20, help="subscriptions per socket past N=1,000")
    parser.add_argument("--latency-samples", type=int, default=30)
    parser.add_argument("--port", type=int, default=18130, help="the service's; the raw server takes the next")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
