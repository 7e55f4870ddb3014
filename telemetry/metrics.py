"""The service's Prometheus metrics, in a registry of their own per app instance.

Everything here is cheap to call from hot paths: counters and histograms only; gauges
that mirror state (subscribers, readiness) are read when /metrics is scraped."""

from __future__ import annotations

import collections
import re
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pymongo import monitoring

_FAMILY = re.compile(r"^(?:events\[\d+\]\.)?([A-Za-z]{1,40})")
_MAX_FAMILIES = 64
"""Reason families come from field names in error messages; past this many, "other"."""

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.events = Counter(
            "journey_events", "Tracked events received, by outcome and rejection reason family",
            ["outcome", "reason"], registry=registry,
        )
        self.batches = Counter(
            "journey_batches", "Event batches received, by outcome and rejection reason family",
            ["outcome", "reason"], registry=registry,
        )
        self.ingest_seconds = Histogram(
            "journey_ingest_seconds", "Time to ingest one batch, from receipt to stored and published",
            buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.db_seconds = Histogram(
            "journey_db_command_seconds", "Database round trips, by command and result",
            ["command", "result"], buckets=FAST_BUCKETS, registry=registry,
        )
        self.scoring_seconds = Histogram(
            "journey_outcome_scoring_seconds", "Time to score a session's outcomes in a batch",
            buckets=FAST_BUCKETS, registry=registry,
        )
        self.live_subscribers = Gauge(
            "journey_live_subscribers", "Live subscriptions open on this instance", registry=registry,
        )
        self.live_connections = Gauge(
            "journey_live_connections", "WebSocket connections open on this instance", registry=registry,
        )
        self.live_pushes = Counter(
            "journey_live_pushes", "Live messages handed to subscribers", registry=registry,
        )
        self.live_lagged = Counter(
            "journey_live_lagged_disconnects",
            "Subscribers disconnected because they fell too far behind", registry=registry,
        )
        self.http_requests = Counter(
            "journey_http_requests", "HTTP requests answered, by route pattern, method and status",
            ["route", "method", "status"], registry=registry,
        )
        self.http_seconds = Histogram(
            "journey_http_request_seconds", "Time to answer an HTTP request, by route pattern",
            ["route"], buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.ready = Gauge(
            "journey_ready", "1 when a dependency answers: the store, the live channel",
            ["component"], registry=registry,
        )
        self._families: set[str] = set()
        self.command_listener = _CommandTimer(self.db_seconds)

    def reason_family(self, reason: str | None) -> str:
        """"events[3].occurredAt: is too old" → "occurredAt"; a bounded set of labels."""
        if not reason:
            return ""
        match = _FAMILY.match(reason)
        family = match.group(1) if match else "other"
        if family not in self._families:
            if len(self._families) >= _MAX_FAMILIES:
                return "other"
            self._families.add(family)
        return family

    def count_receipts(self, statuses: list[tuple[str, str | None]]) -> None:
        """One batch's per-event answers: (accepted | duplicate | rejected, reason)."""
        tally = collections.Counter((status, self.reason_family(reason)) for status, reason in statuses)
        for (status, family), count in tally.items():
            self.events.labels(status, family).inc(count)
        outcomes = {status for status, _ in statuses}
        outcome = next((status for status in ("accepted", "duplicate", "rejected") if status in outcomes), "rejected")
        reason = next((reason for status, reason in statuses if status == "rejected"), None) \
            if outcome == "rejected" else None
        self.batches.labels(outcome, self.reason_family(reason)).inc()

    def count_request(self, *, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_seconds.labels(route).observe(seconds)

    def count_rejected_batch(self, field: str) -> None:
        self.batches.labels("rejected", self.reason_family(field)).inc()

    def watch(self, *, subscribers: Callable[[], int]) -> None:
        self.live_subscribers.set_function(subscribers)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _CommandTimer(monitoring.CommandListener):
    """Times every database command the driver sends (PyMongo measures it)."""

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._histogram.labels(event.command_name, "ok").observe(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._histogram.labels(event.command_name, "error").observe(event.duration_micros / 1e6)
