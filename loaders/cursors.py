"""Opaque keyset cursors: the sort-key values of the last item, encoded."""

from __future__ import annotations

import base64
from typing import Any

from journey.errors import InvalidInput
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
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput(field, "is not a valid cursor")
    return values
