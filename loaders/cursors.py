"""Opaque keyset cursors: the sort-key values of the last item, encoded."""

from __future__ import annotations

import base64
import math
from datetime import datetime
from typing import Any

from bson import ObjectId

from core.errors import InvalidInput
from live.codec import decode, encode


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(encode(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int, field: str = "after") -> list[Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = decode(base64.urlsafe_b64decode(padded.encode()).decode())
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
