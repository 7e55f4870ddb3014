"""Validation of tracked events as clients send them, into TrackedEvent values.

Everything a client can get wrong is caught here, before any write, so a rejected
event never leaves half of its effects behind.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, overload
from urllib.parse import parse_qsl, urlsplit

from core.errors import InvalidInput
from journey.icons import CUSTOM_ICONS
from storage.documents import Page

MAX_ID = 128
MAX_URL = 2048
MAX_TITLE = 512
MAX_QUERY = 256
MAX_NAME = 64
MAX_ATTRIBUTES = 30
MAX_ATTRIBUTE_VALUE = 512
MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]*$")
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class TrackedEvent:
    client_id: str
    type: str
    cookie_id: str
    occurred_at: datetime
    page: Page | None = None
    referrer: str | None = None
    query: str | None = None
    name: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    """What only some event types carry (an identify event's traits, say)."""
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """The browser behind an event: from the request, or passed explicitly by a server."""

    user_agent: str | None = None
    ip: str | None = None
    accept_language: str | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    now: datetime
    max_age: timedelta
    max_skew: timedelta
    search_params: tuple[str, ...]


@overload
def text(value: Any, path: str, *, limit: int, required: Literal[True] = True) -> str: ...
@overload
def text(value: Any, path: str, *, limit: int, required: bool) -> str | None: ...
def text(value: Any, path: str, *, limit: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise InvalidInput(path, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(path, "must be a string")
    value = value.strip()
    if not value:
        raise InvalidInput(path, "must not be empty")
    if len(value) > limit:
        raise InvalidInput(path, f"is longer than {limit} characters")
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInput(path, "must not contain control characters")
    return value


@overload
def web_url(value: Any, path: str, *, required: Literal[True]) -> str: ...
@overload
def web_url(value: Any, path: str, *, required: bool) -> str | None: ...
def web_url(value: Any, path: str, *, required: bool) -> str | None:
    url = text(value, path, limit=MAX_URL, required=required)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidInput(path, "is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(path, "must be an http or https URL")
    return url


def timestamp(value: Any, path: str, limits: Limits) -> datetime:
    if value is None:
        return limits.now
    if not isinstance(value, str):
        raise InvalidInput(path, "must be an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(path, "must be an ISO 8601 date-time string") from None
    if moment.tzinfo is None:
        raise InvalidInput(path, "must include a time zone (for example a trailing Z)")
    moment = moment.astimezone(limits.now.tzinfo)
    if moment < limits.now - limits.max_age:
        raise InvalidInput(path, f"is older than {int(limits.max_age.total_seconds())} seconds")
    if moment > limits.now + limits.max_skew:
        raise InvalidInput(path, "is in the future")
    return moment


def attributes(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(path, "must be an object")
    if len(value) > MAX_ATTRIBUTES:
        raise InvalidInput(path, f"has more than {MAX_ATTRIBUTES} entries")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or len(key) > MAX_NAME or not ATTRIBUTE_NAME.match(key):
            raise InvalidInput(f"{path}.{key}", "is not a valid attribute name")
        if isinstance(item, str):
            if len(item) > MAX_ATTRIBUTE_VALUE:
                raise InvalidInput(f"{path}.{key}", f"is longer than {MAX_ATTRIBUTE_VALUE} characters")
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidInput(f"{path}.{key}", "must be a finite number")
        elif isinstance(item, int) and not isinstance(item, bool) and not MIN_INT64 <= item <= MAX_INT64:
            raise InvalidInput(f"{path}.{key}", "is an integer too large to store (beyond 64 bits)")
        elif item is not None and not isinstance(item, (bool, int, float)):
            raise InvalidInput(f"{path}.{key}", "must be a string, number, boolean or null")
        clean[key] = item
    return clean


def page(value: Any, path: str, *, required: bool) -> Page | None:
    if value is None:
        if required:
            raise InvalidInput(path, "is required")
        return None
    if not isinstance(value, dict):
        raise InvalidInput(path, "must be an object with url and title")
    return {
        "url": web_url(value.get("url"), f"{path}.url", required=True),
        "title": text(value.get("title"), f"{path}.title", limit=MAX_TITLE, required=False),
    }


Parser = Callable[[dict[str, Any], str], dict[str, Any]]
"""Reads the type-specific fields of one raw event into TrackedEvent keyword arguments."""


def pageview_fields(raw: dict[str, Any], path: str) -> dict[str, Any]:
    return {
        "page": page(raw.get("page"), f"{path}.page", required=True),
        "referrer": web_url(raw.get("referrer"), f"{path}.referrer", required=False),
        # A product page's view names the product and its category, as shops' trackers
        # describe one (GA4's view_item): what a visitor looks at says most about intent.
        "attributes": attributes(raw.get("attributes"), f"{path}.attributes"),
    }


def search_fields(raw: dict[str, Any], path: str) -> dict[str, Any]:
    return {
        "query": text(raw.get("query"), f"{path}.query", limit=MAX_QUERY),
        "page": page(raw.get("page"), f"{path}.page", required=False),
    }


def event_name(value: Any, path: str) -> str:
    name = text(value, path, limit=MAX_NAME)
    if not EVENT_NAME.match(name):
        raise InvalidInput(path, "must start with a letter and use only letters, digits and _ : . -")
    return name


def custom_fields(raw: dict[str, Any], path: str) -> dict[str, Any]:
    icon = raw.get("icon")
    if icon is not None and icon not in CUSTOM_ICONS:
        raise InvalidInput(f"{path}.icon", f"must be one of {', '.join(CUSTOM_ICONS)}")
    return {
        "name": event_name(raw.get("name"), f"{path}.name"),
        "page": page(raw.get("page"), f"{path}.page", required=False),
        "attributes": attributes(raw.get("attributes"), f"{path}.attributes"),
        "data": {"icon": icon} if icon else {},
    }


def parse_event(
    raw: Any, path: str, *, parsers: Mapping[str, Parser], cookie_id: str, limits: Limits,
    source: Source | None = None,
) -> TrackedEvent:
    if not isinstance(raw, dict):
        raise InvalidInput(path, "must be an object")
    client_id = text(raw.get("id"), f"{path}.id", limit=MAX_ID)
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in parsers:
        raise InvalidInput(f"{path}.type", f"must be one of {', '.join(parsers)}")
    parser = parsers[kind]
    return TrackedEvent(
        client_id=client_id,
        type=kind,
        cookie_id=cookie_id,
        occurred_at=timestamp(raw.get("occurredAt"), f"{path}.occurredAt", limits),
        source=source,
        **parser(raw, path),
    )


def search_in_url(url: str, params: tuple[str, ...]) -> str | None:
    """The search term a page URL carries in one of the configured query parameters."""
    wanted = {name.lower() for name in params}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        if key.lower() in wanted and value.strip():
            return value.strip()[:MAX_QUERY]
    return None
