"""What logs and metrics cost per request and per batch, in process (no network):
the access-log middleware with JSON formatting, counting a batch's receipts, and one
/metrics exposition.

Run: .venv/bin/python benchmarks/observability_cost.py
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import logs
from core.settings import Settings
from telemetry.metrics import Metrics

REQUESTS = 20_000
BATCHES = 2_000


async def endpoint(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def per_request_us(app) -> float:
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [(b"x-request-id", b"bench-1")]}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    started = time.perf_counter()
    for _ in range(REQUESTS):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / REQUESTS * 1e6


async def main() -> None:
    logs.configure(Settings(log_format="json"))
    sink = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.stream = sink
    bare = await per_request_us(endpoint)
    logged = await per_request_us(logs.RequestLogMiddleware(endpoint))
    print(f"request without middleware: {bare:.1f} µs")
    print(f"request with the JSON access log and request id: {logged:.1f} µs (+{logged - bare:.1f} µs)")

    metrics = Metrics()
    receipts: list[tuple[str, str | None]] = [("accepted", None)] * 95
    receipts += [("rejected", "events[3].occurredAt: is too old")] * 5
    started = time.perf_counter()
    for _ in range(BATCHES):
        metrics.count_receipts(receipts)
    print(f"counting one batch of 100 receipts: {(time.perf_counter() - started) / BATCHES * 1e6:.1f} µs")
    started = time.perf_counter()
    text = metrics.exposition()
    print(f"one /metrics exposition: {(time.perf_counter() - started) * 1e3:.2f} ms, {len(text)} bytes")


if __name__ == "__main__":
    asyncio.run(main())
