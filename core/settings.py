"""One settings object, read from JOURNEY_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    mongodb_uri: str = ""
    """Empty: start the embedded mongoeco wire server."""
    database: str = "journey"
    data_dir: Path = Path("data")
    embedded_engine: str = "sqlite"
    """`sqlite` keeps data in data_dir; `memory` forgets it on exit (tests)."""
    broadcast_url: str = "memory://"
    session_timeout_seconds: int = 1800
    sweep_interval_seconds: float = 15.0
    search_query_params: tuple[str, ...] = ("q", "query", "search")
    max_event_age_seconds: int = 3600
    max_clock_skew_seconds: int = 120
    max_batch_events: int = 200
    max_body_bytes: int = 512 * 1024
    live_queue_size: int = 1000
    live_heartbeat_seconds: float = 5.0
    live_fanout_slice: int = 500
    """Sockets served per push before the fan-out yields to the event loop."""
    max_connections_per_principal: int = 100
    max_subscriptions_per_principal: int = 2000
    admin_token: str = ""
    jwt_secret: str = ""
    jwt_public_key: str = ""
    jwt_audience: str = ""
    introspection: bool = True
    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_query_aliases: int = 30
    max_subscriptions_per_connection: int = 20
    collect_rate_per_minute: int = 600
    phone_default_region: str = "US"
    anonymise_ip: bool = False
    excluded_query_params: tuple[str, ...] = ()
    segment_refresh_seconds: float = 2.0
    """How soon a segment change made on another instance takes effect here."""
    outcome_refresh_seconds: float = 2.0
    """How soon an outcome change or a model trained on another instance takes effect here."""
    outcome_train_interval_seconds: float = 86400.0
    """How often outcome models are retrained; 0: only on demand."""
    outcome_training_sessions: int = 20000
    """How many of the latest ended sessions a model learns from."""
    outcome_model_kinds: tuple[str, ...] = ("logistic-v1", "trees-v1")
    """The kinds of model each training fits; the one that ranks sessions better is kept."""
    max_import_bytes: int = 64 * 1024 * 1024
    """Request body limit of POST /import."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) of proxies whose X-Forwarded-For names the client; none by default."""
    retention_days: int = 395
    metrics_networks: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    """Client networks that may read /metrics without the token."""
    metrics_token: str = ""
    """A bearer token that may read /metrics from anywhere; empty: none."""
    cors_origins: tuple[str, ...] = ()
    """Origins of browser pages on other sites that may use /graphql (HTTP and WebSocket);
    `*` for any; none by default."""
    log_format: str = "json"
    """`json`: one object per line; `text`: readable lines for development."""
    log_level: str = "INFO"
    credential_check_seconds: float = 5.0
    """How soon a revoked key or an expired token stops working, on open WebSockets too."""
    demo: str = "auto"
    """Example segments and a Purchase outcome for the demo shop at start-up: "auto" adds them
    with the embedded store only; true or false to choose."""
    store_timeout_seconds: float = 1.0
    """How long a request waits for an unreachable store before it is answered 503."""
    store_operation_timeout_seconds: float = 5.0
    """How long a request's store operation waits for a free connection, and then for each
    answer of the store, before the request is answered 503 (a store that hangs without
    closing its connections); imports, training and index builds are not bound by it."""
    browser_turn_seconds: float = 15.0
    """How long a browser's turn, taken by an instance storing its events, outlives that
    instance if it dies mid-batch; then another instance may take it."""
    browser_turn_wait_seconds: float = 5.0
    """How long a batch waits for a browser's turn another instance has before it is
    answered 503 with Retry-After."""
    max_batches_in_flight: int = 64
    """Batches POST /collect works on at once; beyond them the answer is 503 with Retry-After."""
    shutdown_timeout_seconds: float = 10.0
    """How long a stopping service lets requests in progress finish."""
    max_header_bytes: int = 16 * 1024
    """Request line and headers together; a longer request is refused with 400."""
    header_read_seconds: float = 10.0
    """Time a client has to send a request's headers, from its first byte (or connecting)."""
    body_read_seconds: float = 60.0
    """Time a client has to send a request's body once its headers are in."""
    max_ws_init_bytes: int = 16 * 1024
    """Largest WebSocket message accepted before connection_init is acknowledged."""
    max_ws_message_bytes: int = 256 * 1024
    """Largest WebSocket message accepted at all (the transport refuses it unread)."""
    max_connections_per_client: int = 128
    """Open connections (HTTP and WebSocket counted apart) from one address."""

    @property
    def installs_demo(self) -> bool:
        if self.demo.strip().lower() == "auto":
            return not self.mongodb_uri
        return _bool(self.demo)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}  # each of its field's type, parsed as its default's
        for spec in fields(cls):
            raw = environ.get(f"JOURNEY_{spec.name.upper()}")
            if raw is None:
                continue
            default = spec.default
            if isinstance(default, bool):
                values[spec.name] = _bool(raw)
            elif isinstance(default, int):
                values[spec.name] = int(raw)
            elif isinstance(default, float):
                values[spec.name] = float(raw)
            elif isinstance(default, tuple):
                values[spec.name] = _csv(raw)
            elif isinstance(default, Path):
                values[spec.name] = Path(raw)
            else:
                values[spec.name] = raw
        values.update(overrides)
        return cls(**values)
