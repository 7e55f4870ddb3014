"""Cleaning of free text taken from a request before it is stored."""

from __future__ import annotations

import re

# JSON bodies may carry lone UTF-16 surrogates ("\ud800"), which BSON and UTF-8 cannot
# encode: they would fail the write far from where the value came in.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: object) -> str | None:
    """The value stripped and safe to encode as UTF-8, or None if it is not a non-blank string."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    if not value.isascii():
        value = _LONE_SURROGATE.sub("\ufffd", value)
    return value
