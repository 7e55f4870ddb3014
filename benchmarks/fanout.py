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
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parent.parent
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
        response = await http.get("/healthz")
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


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit()
    data_dir = tempfile.mkdtemp(prefix="fanout-")
    env = {**os.environ, "JOURNEY_PORT": str(args.port), "JOURNEY_ADMIN_TOKEN": TOKEN,
           "JOURNEY_DATA_DIR": data_dir, "JOURNEY_COLLECT_RATE_PER_MINUTE": "100000",
           "JOURNEY_MAX_CONNECTIONS_PER_PRINCIPAL": "100000", "JOURNEY_MAX_CONNECTIONS_PER_CLIENT": "100000",
           "JOURNEY_MAX_SUBSCRIPTIONS_PER_PRINCIPAL": "100000"}
    # Started before anything is timed and left running beside the loop: nothing to await.
    service = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env,  # noqa: ASYNC220
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    raw = subprocess.Popen([sys.executable, "-c", RAW_SERVER, str(args.port + 1)],  # noqa: ASYNC220
                           stdout=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{args.port}"
    http = httpx.AsyncClient(base_url=base, timeout=60)
    results: list[tuple[str, str, str, str, str]] = []
    try:
        assert raw.stdout is not None and raw.stdout.readline().strip() == "ready"
        for _ in range(600):
            try:
                if (await http.get("/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("the service did not start")

        async def collect(n: int, session_cookie: str) -> dict:
            response = await http.post("/collect", json={
                "deploymentId": "default", "cookieId": session_cookie, "events": [pageview(n, session_cookie)]})
            response.raise_for_status()
            return response.json()

        session_id = (await collect(0, "watched"))["sessionIds"][0]
        idle_session = (await collect(0, "idle"))["sessionIds"][0]
        counter = iter(range(1, 1_000_000))
        rss_per_socket = None
        rss_size = 0

        for size in args.sizes:
            # Past 1,000 subscribers, 20 subscriptions per socket (as a console with several
            # open cards has): the client process could not serve 10,000 sockets in time.
            per_socket = 1 if size <= 1000 else args.per_socket
            sockets = -(-size // per_socket)
            label = f"{size:,}" if per_socket == 1 else f"{size:,} ({sockets:,} sockets × {per_socket})"
            print(f"  N={label}: opening {sockets:,} sockets", flush=True)
            rss_before = rss_kib(service.pid)
            receivers = Receivers()
            receivers.sockets = await open_many(
                sockets, journey_opener(base.replace("http", "ws") + "/graphql", session_id, per_socket))
            if len(receivers.sockets) < sockets:
                results.append((label, f"could not open {sockets:,} subscribed sockets", "–", "–", "–"))
                await receivers.close()
                continue
            await wait_subscribers(http, sockets * per_socket)
            await asyncio.sleep(1.0)
            rss_after = rss_kib(service.pid)
            if per_socket == 1:
                rss_per_socket = (rss_after - rss_before) / sockets
                rss_size = sockets
            size = sockets * per_socket
            receivers.start_reading()
            print(f"  N={label}: {args.rounds} rounds", flush=True)
            timeout = max(10.0, size / 200)
            journey = [await timed_round(receivers, size, lambda: collect(next(counter), "watched"), timeout)
                       for _ in range(args.rounds)]
            frame = receivers.last_frame
            spread = receivers.spreads
            await receivers.close()

            print(f"  N={label}: raw broadcast", flush=True)
            raw_receivers = Receivers()
            raw_receivers.sockets = await open_many(
                sockets, lambda: connect(f"ws://127.0.0.1:{args.port + 1}/", open_timeout=60, max_queue=None))
            control = await connect(f"ws://127.0.0.1:{args.port + 1}/control")
            raw_receivers.start_reading()
            broadcast = raw_broadcast(control, per_socket, frame)
            raw_rounds = [await timed_round(raw_receivers, size, broadcast, timeout) for _ in range(args.rounds)]
            await control.close()
            await raw_receivers.close()
            ratio = "–"
            journey_done = [seconds for seconds in journey if seconds is not None]
            raw_done = [seconds for seconds in raw_rounds if seconds is not None]
            if len(journey_done) == len(journey) and len(raw_done) == len(raw_rounds):
                ratio = f"{statistics.median(journey_done) / statistics.median(raw_done):.1f}×"
            raw_spread = raw_receivers.spreads
            spreads = "–"
            if spread and raw_spread and len(spread) == len(journey):
                spreads = (f"{statistics.median(spread):.0f} ms vs raw {statistics.median(raw_spread):.0f} ms "
                           f"({statistics.median(spread) / statistics.median(raw_spread):.1f}×)")
            results.append((label, summary(journey), summary(raw_rounds), ratio, spreads))
            print(f"N={label}: journey graph {summary(journey)}; raw broadcast {summary(raw_rounds)}; "
                  f"ratio {ratio}; first→last {spreads}; RSS +{(rss_after - rss_before) / sockets:.1f} KiB per socket",
                  flush=True)
            await asyncio.sleep(2.0)  # let the service close the sockets before the next size

        # Delay from POST /collect to one subscriber, 1,000 others listening to another session.
        listeners = Receivers()
        listeners.sockets = await open_many(1000, journey_opener(base.replace("http", "ws") + "/graphql", idle_session))
        watcher = await journey_opener(base.replace("http", "ws") + "/graphql", session_id)()
        await wait_subscribers(http, 1001)
        from_send, from_answer = [], []
        for _ in range(args.latency_samples):
            sent = time.perf_counter()
            await collect(next(counter), "watched")
            answered = time.perf_counter()
            await asyncio.wait_for(watcher.recv(), 10)
            received = time.perf_counter()
            from_send.append((received - sent) * 1000)
            from_answer.append((received - answered) * 1000)
        await watcher.close()
        await listeners.close()

        print("\n| N | Journey Graph: POST sent → all delivered | raw websockets.broadcast | ratio "
              "| first → last arrival (the fan-out alone) |")
        print("|---|---|---|---|---|")
        for label, journey_text, raw_text, ratio, spreads in results:
            print(f"| {label} | {journey_text} | {raw_text} | {ratio} | {spreads} |")
        if rss_per_socket is not None:
            print(f"\nservice RSS per idle subscribed socket ({rss_size:,} sockets, one subscription each): "
                  f"{rss_per_socket:.1f} KiB")
        print(f"POST /collect → subscriber, 1,000 others listening, {args.latency_samples} pushes: "
              f"median {statistics.median(from_send):.1f} ms from sending the POST, "
              f"{statistics.median(from_answer):.1f} ms from its answer")
    finally:
        await http.aclose()
        for process in (service, raw):
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


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
