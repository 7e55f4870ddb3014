"""Keyset cursors: what a client is handed comes back as the exact sort key, and anything
else it sends as a cursor is refused by name."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from core.errors import InvalidInput
from loaders.cursors import decode_cursor, encode_cursor


def test_a_cursor_gives_back_the_exact_sort_key():
    key = [datetime(2026, 12, 3, 4, 5, 6, 789000, tzinfo=UTC), ObjectId("65f0c0ffee00000000000001"), "s-1", 7, None]
    decoded = decode_cursor(encode_cursor(key), len(key))
    assert decoded == key
    assert decoded[0].tzinfo is not None  # compared with stored aware datetimes, never naive


def test_no_cursor_means_the_first_page():
    assert decode_cursor(None, 2) is None


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


TAMPERED = {
    "not base64": "%%%not-a-cursor%%%",
    "not JSON": _raw("[1, 2"),
    "not a list": _raw('{"a": 1}'),
    "too short": encode_cursor(["s-1"]),
    "too long": encode_cursor(["s-1", 2, 3]),
    "an operator document": _raw(json.dumps([{"$ne": None}, "s-1"])),
    "a nested list": _raw(json.dumps([["s-1"], "s-2"])),
    "not a number": _raw('[NaN, "s-1"]'),
    "an infinite number": _raw('[Infinity, "s-1"]'),
    "a flipped character": encode_cursor(["s-1", 2])[:-3] + "!!!",
}


@pytest.mark.parametrize("cursor", TAMPERED.values(), ids=TAMPERED.keys())
def test_anything_but_a_cursor_we_made_is_refused_by_the_field_name(cursor):
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor, 2, field="after")
    assert str(refused.value) == "after: is not a valid cursor"
    assert refused.value.field == "after"
