"""Live messages cross processes as extended JSON, so datetimes and ObjectIds survive."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bson import json_util
from bson.json_util import JSONMode, JSONOptions

_OPTIONS = JSONOptions(json_mode=JSONMode.RELAXED, tz_aware=True, tzinfo=UTC)


def encode(value: Any) -> str:
    return json_util.dumps(value, json_options=_OPTIONS)


def decode(text: str) -> Any:
    return json_util.loads(text, json_options=_OPTIONS)
