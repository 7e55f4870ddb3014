"""Figures for the core service: round trips per ingest batch and per query, and the
delay from POST /collect returning to a subscriber receiving the event.

Run: .venv/bin/python benchmarks/core_figures.py
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

MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { id } }"


def pageview(event_id: str, n: int = 0) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/p/{n}?q=t{n}"}}


async def main() -> None:
    store = EmbeddedStore(engine="memory")
    uri = await store.start()
    service = await start_service(uri, sweep_interval_seconds=3600)
    try:
        await service.collect([pageview("warm")], cookie_id="warm")
        service.commands.reset()
        await service.collect([pageview(f"b{n}", n) for n in range(100)], cookie_id="batch")
        print(f"round trips, one batch of 100 events (new visitor): {service.commands.count}")
        service.commands.reset()
        await service.collect([pageview(f"c{n}", n) for n in range(100)], cookie_id="batch")
        print(f"round trips, one batch of 100 events (known visitor): {service.commands.count}")

        customers = []
        for n in range(10):
            body = await service.collect([pageview("a"), pageview("b", 1)], cookie_id=f"q{n}")
            customers.append(body["customerIds"][0])
        fields = " ".join(
            f'c{n}: customer(id: "{cid}") {{ summary {{ status }} sessions {{ nodes {{ id '
            f"journey {{ nodes {{ kind }} }} }} }} }}"
            for n, cid in enumerate(customers)
        )
        query = f"{{ {fields} }}"
        service.commands.reset()
        await service.data(query)
        print(f"round trips, one query of 10 customers x cards x journeys: {service.commands.count}")

        body = await service.collect([pageview("l0")], cookie_id="latency")
        after_return, after_send = [], []
        async with service.socket() as socket:
            op = await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
            await asyncio.sleep(0.2)
            for n in range(1, 101):
                sent = time.perf_counter()
                await service.collect([pageview(f"l{n}", n)], cookie_id="latency")
                returned = time.perf_counter()
                await socket.next(op)
                received = time.perf_counter()
                after_return.append((received - returned) * 1000)
                after_send.append((received - sent) * 1000)
        # The push is published before /collect answers, so it usually waits in the
        # client's socket buffer by the time the POST returns.
        for label, values in (("POST /collect returning", after_return), ("POST /collect sent", after_send)):
            print(
                f"delay from {label} to the subscriber receiving the event, 100 events: "
                f"median {statistics.median(values):.2f} ms, p95 {sorted(values)[94]:.2f} ms"
            )
    finally:
        await service.stop()
        await store.stop()


if __name__ == "__main__":
    asyncio.run(main())
