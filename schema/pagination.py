"""Keyset pagination arguments and page info shared by every connection."""

from __future__ import annotations

from typing import Any

import strawberry

from journey.errors import InvalidInput
from loaders.cursors import decode_cursor, encode_cursor


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    if first is None:
        return default
    if not 1 <= first <= maximum:
        raise InvalidInput("first", f"must be between 1 and {maximum}")
    return first


def after_key(after: str | None, size: int) -> tuple | None:
    values = decode_cursor(after, size)
    return tuple(values) if values is not None else None


def cursor_of(doc: dict[str, Any], sort: list[tuple[str, int]]) -> str:
    return encode_cursor([doc[field] for field, _ in sort])


def split_page(docs: list[dict[str, Any]], size: int) -> tuple[list[dict[str, Any]], bool]:
    """Loaders fetch one extra item so we know whether another page exists."""
    return docs[:size], len(docs) > size
