"""Store CPU per new event's upsert, as storage.events.insert_all_or_none sends them: one
update command per batch of events (that function itself), one upsert per event keyed on its dedupe key with the
whole event in $setOnInsert, into an events collection with the service's indexes.

Starts the embedded SQLite store of the checkout it is run from (`python -m
storage.embedded_server`, with the corrections that checkout applies) on a port of its
own, sends the batches, and prints the store process's CPU time per event (from /proc, on
Linux): unlike rates, it hardly moves with the machine's load.

Run (from a checkout's root): .venv/bin/python benchmarks/event_upserts.py [--events N]
     [--batch N] [--port P]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from bson import ObjectId

sys.path.insert(0, os.getcwd())

from storage import events
from storage.database import close, connect, ensure_indexes
from storage.documents import EventDocument


def event(n: int) -> EventDocument:
    """An event of the service's shape (~600 bytes, nested page and attributes)."""
    now = datetime.now(UTC)
    return cast(EventDocument, {
        "_id": ObjectId(), "dedupeKey": f"k-{ObjectId()}", "type": "PAGE_VIEW", "cookieId": f"c{n % 50}",
        "sessionId": f"s{n % 200}", "customerId": None, "occurredAt": now, "receivedAt": now,
        "ingestBatch": str(ObjectId()), "acted": False,
        "page": {"url": f"https://shop.example/item/{n}?ref=home", "path": f"/item/{n}",
                 "title": "Item page title", "referrer": "https://shop.example/"},
        "attributes": {"userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
                    "locale": "en-GB", "timezone": "Europe/London", "screen": {"width": 1920, "height": 1080}},
    })


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def send(uri: str, count: int, batch: int, pid: int) -> float:
    db = connect(uri, "journey")
    try:
        await ensure_indexes(db, retention_seconds=10**9)
        before = cpu_seconds(pid)
        for start in range(0, count, batch):
            documents = [event(n) for n in range(start, min(start + batch, count))]
            assert await events.insert_all_or_none(db, documents=documents)
        return cpu_seconds(pid) - before
    finally:
        await close(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--port", type=int, default=24100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        store = subprocess.Popen(
            [sys.executable, "-m", "storage.embedded_server", "--engine", "sqlite",
             "--path", str(Path(directory) / "store.sqlite"), "--port", str(args.port)],
            stdout=subprocess.PIPE, text=True, cwd=os.getcwd(),
        )
        try:
            assert store.stdout is not None
            uri = store.stdout.readline().strip()
            spent = asyncio.run(send(uri, args.events, args.batch, store.pid))
        finally:
            store.terminate()
            store.wait()
    print(f"{args.events} new events' upserts in commands of {args.batch}: "
          f"store CPU per event {spent / args.events * 1000:.2f} ms")


if __name__ == "__main__":
    main()
