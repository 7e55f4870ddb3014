"""What unauthenticated requests cost the service in memory: its RSS before and after each
of three attacks that need no token.

1. `POST /collect` with random 400 KB deployment ids;
2. `Authorization: Bearer jg_<random>_<100 KB>` on `/graphql`;
3. 15 MB WebSocket messages before `connection_init`.

The service runs as `make run` runs it (`python -m app.cli serve`, embedded in-memory store
in a temporary data directory) from `--tree` (default: this checkout; point it at another
checkout to compare). Printed: RSS (MiB) before and after each attack, the growth that
stays and the peak during the attack.

Run: .venv/bin/python benchmarks/unauthenticated_memory.py [--port 18142] [--tree DIR]
     [--collects 600] [--tokens 2500] [--frames 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.service import wait_ready  # noqa: E402

TOKEN = "memory-benchmark-token"
CONCURRENCY = 8


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start(tree: Path, port: int, data_dir: str) -> subprocess.Popen:
    env = {**os.environ, "JOURNEY_PORT": str(port), "JOURNEY_ADMIN_TOKEN": TOKEN, "JOURNEY_DATA_DIR": data_dir,
           "JOURNEY_EMBEDDED_ENGINE": "memory", "JOURNEY_DEMO": "false", "JOURNEY_LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], cwd=tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def sample_peak(pid: int, peak: list[float]) -> None:
    while True:
        peak[0] = max(peak[0], rss_mib(pid))
        await asyncio.sleep(0.05)


async def in_parallel(count: int, one) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            try:
                outcome = await one()
            except (httpx.HTTPError, WebSocketException, OSError) as error:
                outcome = type(error).__name__
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return outcomes


async def collect_with_huge_ids(base: str, count: int) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        async def one() -> str:
            body = {"deploymentId": secrets.token_hex(200_000), "cookieId": "c",
                    "events": [{"id": "1", "type": "search", "query": "x"}]}
            return str((await client.post("/collect", json=body)).status_code)
        return await in_parallel(count, one)


async def huge_api_keys(base: str, count: int) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        async def one() -> str:
            token = f"jg_{secrets.token_hex(6)}_{secrets.token_urlsafe(75_000)}"
            response = await client.post("/graphql", json={"query": "{ __typename }"},
                                         headers={"Authorization": f"Bearer {token}"})
            return str(response.status_code)
        return await in_parallel(count, one)


async def huge_frames_before_init(ws_url: str, count: int) -> dict[str, int]:
    frame = "x" * (15 * 1024 * 1024)
    outcomes: dict[str, int] = {}
    held = []

    async def one() -> None:
        try:
            socket = await connect(
                ws_url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None, open_timeout=30
            )
            held.append(socket)
            await socket.send(frame)
            outcome = "sent"
        except (WebSocketException, OSError) as error:
            outcome = type(error).__name__
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    await asyncio.gather(*(one() for _ in range(count)))
    await asyncio.sleep(2)
    for socket in held:
        await socket.close()
    return outcomes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18142)
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--collects", type=int, default=600)
    parser.add_argument("--tokens", type=int, default=2500)
    parser.add_argument("--frames", type=int, default=12)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory() as data_dir:
        process = start(args.tree.resolve(), args.port, data_dir)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=2) as http:
                await wait_ready(http, process)
            await asyncio.sleep(1)
            baseline = rss_mib(process.pid)
            print(f"service from {args.tree.resolve()}  RSS at start: {baseline:.0f} MiB")
            attacks = [
                (f"{args.collects} x /collect, 400 KB deploymentId", collect_with_huge_ids(base, args.collects)),
                (f"{args.tokens} x Bearer jg_<random>_<100 KB>", huge_api_keys(base, args.tokens)),
                (f"{args.frames} x 15 MB WebSocket message before connection_init",
                 huge_frames_before_init(base.replace("http", "ws") + "/graphql", args.frames)),
            ]
            for label, attack in attacks:
                before = rss_mib(process.pid)
                started = time.monotonic()
                peak = [before]
                sampler = asyncio.create_task(sample_peak(process.pid, peak))
                outcomes = await attack
                sampler.cancel()
                await asyncio.sleep(1)
                after = rss_mib(process.pid)
                print(f"{label:55} RSS {before:6.0f} -> {after:6.0f} MiB  (+{after - before:5.0f}, peak "
                      f"+{peak[0] - before:.0f})  answers {outcomes}  {time.monotonic() - started:.0f} s")
            print(f"total growth: +{rss_mib(process.pid) - baseline:.0f} MiB")
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    asyncio.run(main())
