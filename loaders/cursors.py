"""Opaque keyset cursors: the sort-key values of the last item, encoded."""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId, json_util
from bson.json_util import JSONMode, JSONOptions

from core.errors import InvalidInput

# Cursors keep their own format, whatever becomes of the live messages' codec: a client
# may hold a cursor across a release. Extended JSON keeps datetimes and ObjectIds exact.
_JSON = JSONOptions(json_mode=JSONMode.RELAXED, tz_aware=True, tzinfo=UTC)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json_util.dumps(values, json_options=_JSON).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int, field: str = "after") -> list[Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json_util.loads(base64.urlsafe_b64decode(padded.encode()).decode(), json_options=_JSON)
    except Exception:
        raise InvalidInput(field, "is not a valid cursor") from None
    if not isinstance(values, list) or len(values) != size or not all(map(_plain, values)):
        raise InvalidInput(field, "is not a valid cursor")
    return values


def _plain(value: Any) -> bool:
    """Sort keys are plain values; a document here would reach the database filter as
    operators ($ne, $where, $regex…)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int, bool, datetime, ObjectId))
