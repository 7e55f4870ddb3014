"""Live fan-out: one broadcaster channel per deployment of the service, topics inside it.

broadcaster gives every subscriber an unbounded queue and its Redis listener dies
silently when the connection drops. So this hub keeps one broadcaster subscription
per process, fans messages out to bounded per-subscriber queues itself, and watches
its own heartbeats to notice a dead connection and reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from typing import Any

from broadcaster import Broadcast

from live.codec import decode, encode
from telemetry.metrics import Metrics

log = logging.getLogger(__name__)

CHANNEL = "journey-graph.live"
_LAGGED = object()


class SubscriberLagged(Exception):
    """The subscriber fell too far behind; its queue was dropped to keep memory bounded."""


class Subscription:
    def __init__(self, topic: str, capacity: int) -> None:
        self.topic = topic
        self._queue: asyncio.Queue[Any] = asyncio.Queue(capacity + 1)
        self._capacity = capacity
        self.lagged = False

    def offer(self, payload: Any) -> bool:
        """False when the payload was not queued: the subscriber is (now) lagged."""
        if self.lagged:
            return False
        if self._queue.qsize() >= self._capacity:
            self.lagged = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(_LAGGED)
            return False
        self._queue.put_nowait(payload)
        return True

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        while True:
            item = await self._queue.get()
            if item is _LAGGED:
                raise SubscriberLagged(self.topic)
            yield item


class LiveHub:
    def __init__(
        self, url: str, *, queue_size: int = 1000, heartbeat_seconds: float = 5.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._url = url
        self._queue_size = queue_size
        self._heartbeat_seconds = heartbeat_seconds
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._instance = uuid.uuid4().hex
        self._broadcast: Broadcast | None = None
        self._pump: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._last_heartbeat = time.monotonic()
        self._reconnecting: asyncio.Task | None = None

    @property
    def subscriber_count(self) -> int:
        return sum(len(subs) for subs in self._subscribers.values())

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def start(self) -> None:
        await self._connect()
        self._watchdog = asyncio.create_task(self._watch(), name="live-hub-watchdog")

    async def stop(self) -> None:
        for task in (self._watchdog, self._reconnecting):
            if task is not None:
                task.cancel()
                with suppress(BaseException):
                    await task
        await self._disconnect()

    async def publish(self, messages: Iterable[tuple[str, Any]]) -> None:
        """Send messages to every instance in one broadcast. Best effort: the data is
        already stored, so a broken channel loses live pushes, never data."""
        batch = [[topic, payload] for topic, payload in messages]
        if not batch:
            return
        if self._broadcast is None or not self._ready.is_set():
            log.warning("live channel not connected; %d live messages dropped", len(batch))
            return
        try:
            await self._broadcast.publish(CHANNEL, encode({"m": batch}))
        except Exception:
            log.warning("live publish failed; reconnecting", exc_info=True)
            self._schedule_reconnect()

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(topic, self._queue_size)
        self._subscribers[topic].add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(topic)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[topic]

    def _dispatch(self, text: str) -> None:
        envelope = decode(text)
        if "h" in envelope:
            if envelope["h"] == self._instance:
                self._last_heartbeat = time.monotonic()
            return
        for topic, payload in envelope.get("m", ()):
            for subscription in tuple(self._subscribers.get(topic, ())):
                was_lagged = subscription.lagged
                if subscription.offer(payload):
                    self._metrics.live_pushes.inc()
                elif not was_lagged:
                    self._metrics.live_lagged.inc()

    async def _connect(self) -> None:
        broadcast = Broadcast(self._url)
        await broadcast.connect()
        self._broadcast = broadcast
        subscribed = asyncio.Event()
        self._pump = asyncio.create_task(self._run_pump(broadcast, subscribed), name="live-hub-pump")
        await subscribed.wait()
        self._last_heartbeat = time.monotonic()
        self._ready.set()

    async def _run_pump(self, broadcast: Broadcast, subscribed: asyncio.Event) -> None:
        async with broadcast.subscribe(CHANNEL) as subscriber:
            subscribed.set()
            async for event in subscriber:
                if event is None:
                    return
                try:
                    self._dispatch(event.message)
                except Exception:
                    log.exception("undecodable live message dropped")

    async def _disconnect(self) -> None:
        self._ready.clear()
        pump, self._pump = self._pump, None
        broadcast, self._broadcast = self._broadcast, None
        if pump is not None:
            pump.cancel()
            with suppress(BaseException):
                await pump
        if broadcast is not None:
            with suppress(Exception):
                await broadcast.disconnect()

    def _schedule_reconnect(self) -> None:
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.create_task(self._reconnect(), name="live-hub-reconnect")

    async def _reconnect(self) -> None:
        await self._disconnect()
        delay = 0.2
        while True:
            try:
                await self._connect()
                log.info("live channel reconnected")
                return
            except Exception:
                log.warning("live channel reconnect failed; retrying in %.1fs", delay)
                await self._disconnect()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _watch(self) -> None:
        """Publish a heartbeat and expect it back; silence means the channel is dead."""
        interval = self._heartbeat_seconds
        while True:
            await asyncio.sleep(interval)
            if self._reconnecting is not None and not self._reconnecting.done():
                continue
            if self._ready.is_set() and time.monotonic() - self._last_heartbeat > 3 * interval:
                log.warning("live channel silent for %.1fs; reconnecting", 3 * interval)
                self._schedule_reconnect()
                continue
            if self._broadcast is not None and self._ready.is_set():
                try:
                    await self._broadcast.publish(CHANNEL, encode({"h": self._instance}))
                except Exception:
                    self._schedule_reconnect()
