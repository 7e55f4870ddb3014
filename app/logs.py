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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
"""A caller's request id is kept only if it is this plain: it is echoed and logged."""
_ROUTE_LIMIT = 200

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


class RequestLogMiddleware:
    """Gives each request an id (the caller's X-Request-ID, or a new one), echoes it in the
    response, and writes one access line when the request or WebSocket ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            access_log.info(
                "%s %s %s", scope.get("method", "WEBSOCKET"), scope["path"][:_ROUTE_LIMIT], status,
                extra={
                    "method": scope.get("method", "WEBSOCKET"),
                    "route": scope["path"][:_ROUTE_LIMIT],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id.reset(token)
