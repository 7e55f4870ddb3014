"""Reading hostnames and query parameters out of URLs, and removing parameters from them."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, parse_qsl, unquote_plus, urlsplit


def split_url(url: str | None) -> SplitResult | None:
    """The parts of `url`, or None if it is absent or cannot be parsed."""
    if not url:
        return None
    try:
        return urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" or a netloc that changes under NFKC
        return None


def hostname(parts: SplitResult | None) -> str | None:
    """The lower-case hostname without its trailing root dot, or None if there is none."""
    if parts is None:
        return None
    try:
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.rstrip(".") or None


def query_params(parts: SplitResult | None) -> dict[str, str]:
    """Non-blank query parameters by lower-case name; the first of repeated names wins."""
    params: dict[str, str] = {}
    if parts is None or not parts.query:
        return params
    for name, value in parse_qsl(parts.query):
        name, value = name.strip().lower(), value.strip()
        if value and name not in params:
            params[name] = value
    return params


def strip_query_params(url: str, excluded: Iterable[str]) -> str:
    """`url` without the query parameters named in `excluded`, compared case-insensitively.

    The rest of the URL is kept character for character, remaining parameters in their
    order and encoding, and the fragment too; a query left empty loses its "?".
    """
    if not isinstance(url, str):
        return ""
    # Splitting on the delimiters themselves rather than round-tripping through urlsplit
    # and urlencode, which would re-encode what is kept ("%20" -> "+", "a" -> "a=").
    before_fragment, hash_mark, fragment = url.partition("#")
    base, question_mark, query = before_fragment.partition("?")
    if not question_mark:
        return url
    dropped = {name.lower() for name in excluded if isinstance(name, str)}
    fields = query.split("&")
    kept = [field for field in fields if _field_name(field) not in dropped]
    if len(kept) == len(fields):
        return url
    new_query = question_mark + "&".join(kept) if kept else ""
    return base + new_query + hash_mark + fragment


def _field_name(field: str) -> str:
    return unquote_plus(field.partition("=")[0]).lower()
