"""Logs: one JSON object per line (or readable text for development), each carrying the
request id of the request it was written for; and the access log, which names the route
but never a query string, a header or a body (they carry tokens and identity values)."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from telemetry.metrics import Metrics

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
"""A caller's request id is kept only if it is this plain: it is echoed and logged."""
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "WEBSOCKET"})

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("journey.access")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class _JsonLines(JsonFormatter):
    def process_log_record(self, log_data: dict) -> dict:
        return {"time": log_data.pop("time", None), **log_data}


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {key: getattr(record, key) for key in ("method", "route", "status", "duration_ms")
                  if getattr(record, key, None) is not None}
        if fields:
            line += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return line


def configure(settings: Settings) -> None:
    """Route every logger (uvicorn's included) through one handler on stderr."""
    if settings.log_format not in ("json", "text"):
        raise ValueError(f"JOURNEY_LOG_FORMAT: '{settings.log_format}' is not json or text")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    if settings.log_format == "text":
        formatter: logging.Formatter = _TextFormatter(
            "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"
        )
        formatter.converter = time.gmtime
    else:
        formatter = _JsonLines(
            "%(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's ANSI copy of the message
        )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Replaced by journey.access, which leaves out query strings.
    logging.getLogger("uvicorn.access").disabled = True


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _REQUEST_ID.match(text) else None
    return None


def _route(scope: Scope) -> str:
    """The pattern of the route that answered (`/graphql`, `/console/{path}`): a bounded
    set, and never a path or value a client typed."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "(no route)"
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


class RequestLogMiddleware:
    """Gives each request an id (the caller's X-Request-ID, or a new one), echoes it in the
    response, and when the request or WebSocket ends writes one access line and counts it
    in the metrics."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status: int | None = None

        async def identified_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode())]
            elif message["type"] == "websocket.accept":
                status = 101
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode())]
            elif message["type"] == "websocket.close" and status is None:
                status = 403
            await send(message)

        try:
            await self.app(scope, receive, identified_send)
        except Exception:
            status = 500
            raise
        finally:
            seconds = time.perf_counter() - started
            method = scope.get("method", "WEBSOCKET")
            method = method if method in _METHODS else "OTHER"
            route = _route(scope)
            access_log.info(
                "%s %s %s", method, route, status,
                extra={"method": method, "route": route, "status": status,
                       "duration_ms": round(seconds * 1000, 2)},
            )
            if self.metrics is not None and scope["type"] == "http":
                self.metrics.count_request(route=route, method=method, status=status or 0, seconds=seconds)
            request_id.reset(token)
