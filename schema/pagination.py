"""Keyset pagination arguments and page info shared by every connection."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types.arguments import StrawberryArgumentAnnotation

from core.errors import InvalidInput
from loaders.cursors import decode_cursor, encode_cursor


@strawberry.type(description="Where a page of a list ends, to ask for the next one.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Pass it as `after` to get the next page; null when the page is empty."
    )


def first_argument(*, default: int, maximum: int) -> StrawberryArgumentAnnotation:
    """The `first` argument of a connection, described with its own default and limit:
    `first: Annotated[int | None, first_argument(...)]`."""
    return strawberry.argument(description=f"How many items to return: {default} if left out, at most {maximum}.")


AfterArgument = Annotated[
    str | None,
    strawberry.argument(description="The endCursor of the previous page; left out for the first page."),
]


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
