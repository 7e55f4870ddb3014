"""What answering the console's customer view costs: a customer with 50 session cards and
every field the console shows (each card's segments and outcome bars included), asked 40
times over HTTP. Field permissions are checked on each of those fields. CPU time is the
steadier figure on a loaded machine.

Run: .venv/bin/python benchmarks/console_query_cost.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.embedded import EmbeddedStore
from tests.support.service import start_service

CARD = """id status startedAt lastActivityAt pageviewCount eventCount customer { id }
  lastPage { url title } searches { query occurredAt } segments { segment { id name color } assignedAt }
  outcomes { outcome { id name } probability quantile achieved source factors { label contribution } }"""
QUERY = """query($id: ID!) { customer(id: $id) { id identified traits identities { type value }
  summary { status pageviewsThisSession } sessions(first: 50) { nodes { """ + CARD + " } } } }"
SESSIONS = 50
RUNS = 40


async def main() -> None:
    store = EmbeddedStore(engine="memory")
    uri = await store.start()
    service = await start_service(uri, sweep_interval_seconds=3600)
    try:
        customer = None
        for n in range(SESSIONS):
            body = await service.collect([
                {"id": f"p{n}", "type": "pageview", "page": {"url": f"https://shop.example/p/{n}"}},
                {"id": f"s{n}", "type": "search", "query": f"boots {n}"},
            ], cookie_id="console")
            customer = body["customerIds"][0]
            service.clock.advance(hours=2)  # past the session timeout: the next batch starts a new card
        await service.data(QUERY, {"id": customer})
        timings = []
        cpu_started = time.process_time()
        for _ in range(RUNS):
            started = time.perf_counter()
            data = await service.data(QUERY, {"id": customer})
            timings.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_started) * 1000 / RUNS
        cards = len(data["customer"]["sessions"]["nodes"])
        print(f"console customer view, {cards} cards, {RUNS} requests: median {statistics.median(timings):.1f} ms, "
              f"p90 {sorted(timings)[int(RUNS * 0.9) - 1]:.1f} ms; CPU of this process (service, store "
              f"client and HTTP client) {cpu:.1f} ms a request")
    finally:
        await service.stop()
        await store.stop()


if __name__ == "__main__":
    asyncio.run(main())
