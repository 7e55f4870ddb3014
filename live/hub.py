"""Live fan-out between instances: one broadcaster channel per topic, joined only while
this instance has subscribers to that topic.

broadcaster gives every subscriber an unbounded queue and its Redis listener dies
silently when the connection drops. So this hub drives a broadcaster backend itself:
it joins and leaves topic channels as local subscribers come and go, fans messages out
to bounded per-subscriber queues, and sends itself numbered heartbeats on a channel of
its own to notice a dead connection and reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from typing import Any
from urllib.parse import urlparse

from broadcaster import Broadcast
from broadcaster._backends.base import BroadcastBackend

from live.codec import decode, encode
from live.topics import Message
from telemetry.metrics import Metrics

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "journey-graph.live"
MISSED_HEARTBEATS = 3
"""Heartbeats that may be outstanding before the channel counts as dead. Counted in the
watchdog's own ticks, not in wall time: a loop busy with a long fan-out delays the ticks
as much as the heartbeats, so it is never taken for a dead channel."""
_LAGGED = object()
LAGGED_CLOSE_CODE = 4499
LAGGED_CLOSE_REASON = "Subscriber fell too far behind; resubscribe and reload"


def topic_channel(topic: str) -> str:
    return f"{CHANNEL_PREFIX}.topic.{topic}"


def _heartbeat_channel(instance: str) -> str:
    return f"{CHANNEL_PREFIX}.heartbeat.{instance}"


class SubscriberLagged(Exception):
    """The subscriber fell too far behind; its queue was dropped to keep memory bounded."""


class Subscription:
    def __init__(self, topic: str, capacity: int) -> None:
        self.topic = topic
        self._queue: asyncio.Queue[Any] = asyncio.Queue(capacity + 1)
        self._capacity = capacity
        self.lagged = False

    def offer(self, payload: Any) -> None:
        if self.lagged:
            return
        if self._queue.qsize() >= self._capacity:
            self.lagged = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(_LAGGED)
            return
        self._queue.put_nowait(payload)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        while True:
            item = await self._queue.get()
            if item is _LAGGED:
                raise SubscriberLagged(self.topic)
            yield item


def _backend(url: str) -> BroadcastBackend:
    """The broadcaster backend for a URL (memory://, redis://…), without its Broadcast:
    the hub needs to join many channels through one listener."""
    if urlparse(url).scheme not in {"memory", "redis", "rediss"}:
        raise ValueError(f"JOURNEY_BROADCAST_URL: unsupported scheme in '{url}' (memory:// or redis://)")
    return Broadcast(url)._backend


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
        self._backend: BroadcastBackend | None = None
        self._joined: set[str] = set()
        self._channel_lock = asyncio.Lock()
        self._pump: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._heartbeats_sent = 0
        self._heartbeats_back = 0
        self._reconnecting: asyncio.Task | None = None
        self._leaving: set[asyncio.Task] = set()
        self.on_message: Callable[[str, int], None] | None = None
        """Called with (topic, local subscriptions) for every message received; for metrics."""
        self.subscribers = 0

    # Called by the WebSocket layer, so live counts have one home.
    def subscriber_added(self) -> None:
        self.subscribers += 1

    def subscriber_removed(self) -> None:
        self.subscribers -= 1

    def pushed(self, frames: int) -> None:
        self._metrics.live_pushes.inc(frames)

    def lagged_disconnect(self) -> None:
        self._metrics.live_lagged.inc()

    @property
    def subscriber_count(self) -> int:
        """Live subscriptions of WebSocket clients on this instance."""
        return self.subscribers

    @property
    def topic_subscriptions(self) -> int:
        """Hub subscriptions: one per group of subscribers sharing an execution."""
        return sum(len(subs) for subs in self._subscribers.values())

    def listening(self, topic: str) -> int:
        """Hub subscriptions to a topic that messages reach now: registered, with the topic's
        channel joined. Lets a caller know a subscription is live before it publishes."""
        return len(self._subscribers.get(topic, ())) if topic in self._joined else 0

    @property
    def topics(self) -> frozenset[str]:
        """The topics whose channels this instance has joined."""
        return frozenset(self._joined)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def start(self) -> None:
        await self._connect()
        self._watchdog = asyncio.create_task(self._watch(), name="live-hub-watchdog")

    async def stop(self) -> None:
        for task in (self._watchdog, self._reconnecting, *self._leaving):
            if task is not None:
                task.cancel()
                with suppress(BaseException):
                    await task
        await self._disconnect()

    async def publish(self, messages: Iterable[Message]) -> None:
        """Send messages to every instance that has subscribers for their topics, one
        broadcast per topic. Best effort: the data is already stored, so a broken channel
        loses live pushes, never data."""
        by_topic: dict[str, list[Any]] = {}
        for topic, payload in messages:
            by_topic.setdefault(topic, []).append(payload)
        if not by_topic:
            return
        backend = self._backend
        if backend is None or not self._ready.is_set():
            log.warning("live channel not connected; live messages for %d topics dropped", len(by_topic))
            return
        try:
            for topic, payloads in by_topic.items():
                await backend.publish(topic_channel(topic), encode({"t": topic, "m": payloads}))
        except Exception:
            log.warning("live publish failed; reconnecting", exc_info=True)
            self._schedule_reconnect()

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(topic, self._queue_size)
        self._subscribers[topic].add(subscription)
        try:
            if topic not in self._joined:
                await self._join(topic)
            yield subscription
        finally:
            subscribers = self._subscribers.get(topic)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[topic]
                    self._leave_later(topic)

    async def _join(self, topic: str) -> None:
        async with self._channel_lock:
            backend = self._backend
            if topic in self._joined or topic not in self._subscribers or backend is None:
                return
            try:
                await backend.subscribe(topic_channel(topic))
                self._joined.add(topic)
            except Exception:
                log.warning("joining a live topic failed; reconnecting", exc_info=True)
                self._schedule_reconnect()

    def _leave_later(self, topic: str) -> None:
        # Leaving runs in a task of its own: the subscriber leaving may be a cancelled task.
        task = asyncio.create_task(self._leave(topic), name="live-hub-leave")
        self._leaving.add(task)
        task.add_done_callback(self._leaving.discard)

    async def _leave(self, topic: str) -> None:
        async with self._channel_lock:
            backend = self._backend
            if topic not in self._joined or topic in self._subscribers or backend is None:
                return
            self._joined.discard(topic)
            with suppress(Exception):
                await backend.unsubscribe(topic_channel(topic))

    def _dispatch(self, channel: str, text: str) -> None:
        envelope = decode(text)
        if "h" in envelope:
            if envelope.get("i") == self._instance:
                self._heartbeats_back = max(self._heartbeats_back, int(envelope["h"]))
            return
        topic = envelope["t"]
        subscribers = tuple(self._subscribers.get(topic, ()))
        if self.on_message is not None:
            self.on_message(topic, len(subscribers))
        for payload in envelope["m"]:
            for subscription in subscribers:
                subscription.offer(payload)

    async def _connect(self) -> None:
        backend = _backend(self._url)
        await backend.connect()
        self._backend = backend
        async with self._channel_lock:
            self._joined.clear()
            await backend.subscribe(_heartbeat_channel(self._instance))
            for topic in tuple(self._subscribers):
                await backend.subscribe(topic_channel(topic))
                self._joined.add(topic)
        self._pump = asyncio.create_task(self._run_pump(backend), name="live-hub-pump")
        self._heartbeats_back = self._heartbeats_sent
        self._ready.set()

    async def _run_pump(self, backend: BroadcastBackend) -> None:
        while True:
            event = await backend.next_published()
            try:
                self._dispatch(event.channel, event.message)
            except Exception:
                log.exception("undecodable live message dropped")

    async def _disconnect(self) -> None:
        self._ready.clear()
        pump, self._pump = self._pump, None
        backend, self._backend = self._backend, None
        self._joined.clear()
        if pump is not None:
            pump.cancel()
            with suppress(BaseException):
                await pump
        if backend is not None:
            with suppress(Exception):
                await backend.disconnect()

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
        """Publish a numbered heartbeat each tick and expect it back."""
        while True:
            await asyncio.sleep(self._heartbeat_seconds)
            if self._reconnecting is not None and not self._reconnecting.done():
                continue
            if not self._ready.is_set() or self._backend is None:
                continue
            if self._heartbeats_sent - self._heartbeats_back >= MISSED_HEARTBEATS:
                log.warning("live channel: %d heartbeats unanswered; reconnecting", MISSED_HEARTBEATS)
                self._schedule_reconnect()
                continue
            self._heartbeats_sent += 1
            try:
                await self._backend.publish(
                    _heartbeat_channel(self._instance), encode({"h": self._heartbeats_sent, "i": self._instance})
                )
            except Exception:
                self._schedule_reconnect()
