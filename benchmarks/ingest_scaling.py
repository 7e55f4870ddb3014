"""Whether ingest keeps its pace as data accumulates, on the embedded SQLite store as
`make run` uses it.

Starts the service the way `make run` does (`python -m app.cli serve`, SQLite store in a
data directory of its own, on ports of its own), then

  (a) imports the real shoppers of the Taobao sample (../shared/data) through POST /import,
      in slices of 5,000 events, and prints events/s per slice with the number stored;
  (b) sends live events through POST /collect from 20 concurrent browsers, one event per
      batch and one batch at a time per browser as the tracking snippet does, and prints
      batches/s and request time (p50, p99) per slice of 5,000 batches.

Each summary also gives the CPU time the service and its store process spent per event or
batch (from /proc, on Linux). It moves less than rates with the machine's load, but it
moves: with other work keeping both cores busy it has doubled. Compare runs made one
after another, at rest.

Every browser comes from 127.0.0.1 here, where real ones have addresses of their own: the
per-address rate limit is raised for the run.

Run: .venv/bin/python benchmarks/ingest_scaling.py [--import-events N] [--collect-events N]
     [--slice N] [--uncorrected] [--port P]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # a script's own folder, not the repository, is on sys.path

from benchmarks.service import wait_ready  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "taobao-userbehavior-sample.csv"
SLICE = 5000
BROWSERS = 20
EVENT_OF_BEHAVIOR = {"cart": "add_to_cart", "fav": "favorite", "buy": "purchase"}


def taobao_lines(limit: int | None) -> list[str]:
    """The sample as import lines (JSON Lines), user after user, in the file's order."""
    lines = []
    with DATA.open(newline="") as file:
        for number, (user, item, category, behavior, seconds) in enumerate(csv.reader(file), start=1):
            event: dict[str, Any] = {
                "cookieId": f"taobao-{user}", "id": f"row-{number}",
                "occurredAt": datetime.fromtimestamp(int(seconds), UTC).isoformat(),
            }
            if behavior == "pv":
                event |= {"type": "pageview",
                          "page": {"url": f"https://shop.example/item/{item}", "title": f"category {category}"}}
            else:
                event |= {"type": "custom", "name": EVENT_OF_BEHAVIOR[behavior],
                          "attributes": {"item": item, "category": category}}
            lines.append(json.dumps(event))
            if limit is not None and len(lines) >= limit:
                break
    return lines


def start_service(port: int, data_dir: Path, token: str, extra_env: dict[str, str]) -> subprocess.Popen:
    env = {
        **os.environ,
        "JOURNEY_HOST": "127.0.0.1",
        "JOURNEY_PORT": str(port),
        "JOURNEY_DATA_DIR": str(data_dir),
        "JOURNEY_ADMIN_TOKEN": token,
        # The sample is from 2017: retention must keep it, or the import refuses it as too old.
        "JOURNEY_RETENTION_DAYS": "10000",
        "JOURNEY_COLLECT_RATE_PER_MINUTE": "100000000",
        "JOURNEY_OUTCOME_TRAIN_INTERVAL_SECONDS": "0",
        **extra_env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


class CpuMeter:
    """CPU seconds used so far by the service and by its embedded-store process."""

    def __init__(self, service_pid: int) -> None:
        self.service_pid = service_pid

    @staticmethod
    def _seconds(pid: int | None) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _store_pid(self) -> int | None:
        for children in Path(f"/proc/{self.service_pid}/task").glob("*/children"):
            for child in children.read_text().split():
                if b"storage.embedded_server" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return int(child)
        return None

    def read(self) -> tuple[float, float]:
        return self._seconds(self.service_pid), self._seconds(self._store_pid())

    def per_unit(self, since: tuple[float, float], units: int, unit: str) -> str:
        service, store = (now - then for now, then in zip(self.read(), since, strict=True))
        return f"CPU per {unit}: service {service / units * 1000:.1f} ms, store {store / units * 1000:.1f} ms"


async def import_history(http: httpx.AsyncClient, token: str, lines: list[str], slice_: int, cpu: CpuMeter) -> float:
    print(f"(a) historical import, {len(lines)} events in slices of {slice_}")
    print(f"{'stored':>8} {'events/s':>9}")
    stored = 0
    cpu_before = cpu.read()
    started_all = time.perf_counter()
    rates = []
    for start in range(0, len(lines), slice_):
        chunk = lines[start:start + slice_]
        started = time.perf_counter()
        response = await http.post(
            "/import?format=jsonl", content="\n".join(chunk).encode(),
            headers={"Authorization": f"Bearer {token}"}, timeout=None,
        )
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"import answered {response.status_code}: {response.text[:300]}")
        summary = response.json()
        stored += summary["accepted"]
        rates.append(len(chunk) / seconds)
        print(f"{stored:>8} {rates[-1]:>9.0f}", flush=True)
    total = time.perf_counter() - started_all
    print(f"import: {len(lines)} events in {total:.0f} s, {len(lines) / total:.0f} events/s; "
          f"last slice / first slice = {rates[-1] / rates[0]:.2f}; {cpu.per_unit(cpu_before, len(lines), 'event')}")
    return len(lines) / total


async def browser(http: httpx.AsyncClient, cookie: str, budget: list[int], times: list[float]) -> None:
    while budget[0] > 0:
        budget[0] -= 1
        event = {"id": uuid.uuid4().hex, "type": "pageview", "occurredAt": datetime.now(UTC).isoformat(),
                 "page": {"url": f"https://shop.example/item/{secrets.randbelow(5000)}", "title": "item"}}
        started = time.perf_counter()
        response = await http.post(
            "/collect", json={"deploymentId": "default", "cookieId": cookie, "events": [event]},
            headers={"Origin": "https://shop.example"}, timeout=None,
        )
        times.append(time.perf_counter() - started)
        if response.status_code != 200 or response.json()["accepted"] != 1:
            raise SystemExit(f"collect answered {response.status_code}: {response.text[:300]}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def collect_live(http: httpx.AsyncClient, events: int, slice_: int, cpu: CpuMeter) -> None:
    print(f"(b) /collect: {BROWSERS} browsers, 1-event batches, {events} batches in slices of {slice_}")
    print(f"{'sent':>8} {'batches/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
    cookies = [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(BROWSERS)]
    sent, all_times, rates = 0, [], []
    cpu_before = cpu.read()
    while sent < events:
        size = min(slice_, events - sent)
        budget = [size]
        times: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(browser(http, cookie, budget, times) for cookie in cookies))
        seconds = time.perf_counter() - started
        sent += size
        all_times += times
        rates.append(size / seconds)
        print(f"{sent:>8} {rates[-1]:>9.1f} {percentile(times, 0.5) * 1000:>7.0f} "
              f"{percentile(times, 0.99) * 1000:>7.0f}", flush=True)
    print(f"collect: {events} batches, {statistics.fmean(rates):.1f} batches/s, "
          f"p50 {percentile(all_times, 0.5) * 1000:.0f} ms, p99 {percentile(all_times, 0.99) * 1000:.0f} ms; "
          f"last slice / first slice = {rates[-1] / rates[0]:.2f}; {cpu.per_unit(cpu_before, events, 'batch')}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--import-events", type=int, help="import only the first N events of the sample")
    parser.add_argument("--collect-events", type=int, default=10000, help="live batches to send (default 10000)")
    parser.add_argument("--slice", type=int, default=SLICE, help=f"events per printed slice (default {SLICE})")
    parser.add_argument("--port", type=int, default=18110)
    parser.add_argument("--uncorrected", action="store_true",
                        help="run the embedded store without the launcher's corrections")
    args = parser.parse_args()

    token = secrets.token_urlsafe(24)
    extra = {"JOURNEY_EMBEDDED_CORRECTIONS": "0"} if args.uncorrected else {}
    with tempfile.TemporaryDirectory(prefix="ingest-scaling-") as data_dir:
        process = start_service(args.port, Path(data_dir), token, extra)
        try:
            limits = httpx.Limits(max_connections=BROWSERS + 2)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}", limits=limits) as http:
                await wait_ready(http, process)
                cpu = CpuMeter(process.pid)
                lines = taobao_lines(args.import_events) if args.import_events != 0 else []
                if lines:
                    await import_history(http, token, lines, args.slice, cpu)
                if args.collect_events:
                    await collect_live(http, args.collect_events, args.slice, cpu)
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    asyncio.run(main())
