"""GET /metrics in the Prometheus text format, for callers from the allowed networks
(loopback by default) or bearing the metrics token; and the WebSocket connection count."""

from __future__ import annotations

import hmac
import ipaddress
from functools import cached_property

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.probes import Readiness
from core.settings import Settings
from telemetry.metrics import Metrics


class MetricsAccess:
    def __init__(self, settings: Settings) -> None:
        self._token = settings.metrics_token
        self._networks_text = settings.metrics_networks

    @cached_property
    def _networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(text, strict=False) for text in self._networks_text)

    def validate(self) -> None:
        """Fails at start-up on a malformed network rather than at the first scrape."""
        try:
            _ = self._networks  # parsed on first read
        except ValueError as error:
            raise ValueError(f"JOURNEY_METRICS_NETWORKS: {error}") from None

    def allows(self, request: Request) -> bool:
        if self._token:
            presented = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if presented and hmac.compare_digest(presented.encode(), self._token.encode()):
                return True
        host = request.client.host if request.client else None
        try:
            address = ipaddress.ip_address(host) if host else None
        except ValueError:
            return False
        return address is not None and any(address in network for network in self._networks)


async def _refresh_readiness(request: Request, metrics: Metrics) -> None:
    readiness: Readiness = request.app.state.readiness
    await readiness.check()
    metrics.ready.labels("store").set(int(readiness.started and readiness.store_reachable))
    metrics.ready.labels("live_channel").set(int(readiness.live_channel_ready))


async def metrics_page(request: Request) -> Response:
    access: MetricsAccess = request.app.state.metrics_access
    if not access.allows(request):
        return JSONResponse(
            {"error": "metrics: not allowed from this address without the metrics token"}, status_code=403
        )
    metrics: Metrics = request.app.state.metrics
    await _refresh_readiness(request, metrics)
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


class LiveConnectionsMiddleware:
    """Counts WebSocket connections from their acceptance to their end."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        accepted = False

        async def counting_send(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                self.metrics.live_connections.inc()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                self.metrics.live_connections.dec()
