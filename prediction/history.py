"""What a customer's earlier sessions tell about the current one.

The customer keeps a small running summary of its sessions (counts of what they did,
which items they looked at and carted, as sketches, and when it was last seen). A new
session copies it into its own state under `history:` keys when it opens, so its
features know the past without reading earlier sessions, and each batch adds its own
events to the summary with atomic operators, ready for the next session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from prediction.state import (
    CARTED_SKETCH,
    CATEGORY_SKETCH,
    HISTORY_CARTED_SKETCH,
    HISTORY_CATEGORY_SKETCH,
    HISTORY_PREFIX,
    HISTORY_SEEN_SKETCH,
    ITEM_SKETCH,
    KIND_PREFIX,
    MAX_TRACKED_NAMES,
    NAME_PREFIX,
    PAGEVIEWS,
    SEARCHES,
    SKETCH_WORDS,
    FeatureState,
    sketch_key,
)

SESSIONS = HISTORY_PREFIX + "sessions"
"""Earlier sessions of the customer."""
HOURS_SINCE = HISTORY_PREFIX + "hours_since"
"""Hours from the customer's latest earlier event to this session's start."""
ACHIEVED_PREFIX = "achieved:"
"""History count of an outcome achieved, by outcome id."""

# A stored field name cannot hold a dot, a custom event name can; names cannot hold this.
_DOT, _ESCAPED_DOT = ".", "\u2024"

# Customer document fields, under `history`.
_SESSIONS, _LAST_AT, _COUNTS, _SEEN, _CARTED, _CATEGORIES = (
    "sessions", "lastAt", "counts", "seen", "carted", "categories")
_SKETCHES = ((ITEM_SKETCH, _SEEN, HISTORY_SEEN_SKETCH), (CARTED_SKETCH, _CARTED, HISTORY_CARTED_SKETCH),
             (CATEGORY_SKETCH, _CATEGORIES, HISTORY_CATEGORY_SKETCH))
_SESSION_SKETCH_FIELDS = tuple(
    (sketch_key(session_key, word), f"{field}{word}")
    for session_key, field, _ in _SKETCHES
    for word in range(SKETCH_WORDS)
)
_HISTORY_NAME = HISTORY_PREFIX + NAME_PREFIX


def snapshot(history: Mapping[str, Any] | None, started_at: datetime) -> FeatureState:
    """The `history:` keys a session opening at `started_at` starts with."""
    if not history or not history.get(_SESSIONS):
        return {}
    state: FeatureState = {SESSIONS: int(history[_SESSIONS])}
    last_at = history.get(_LAST_AT)
    if isinstance(last_at, datetime):
        state[HOURS_SINCE] = max(0.0, (started_at - last_at).total_seconds() / 3600)
    for key, count in (history.get(_COUNTS) or {}).items():
        if count:
            state[HISTORY_PREFIX + key.replace(_ESCAPED_DOT, _DOT)] = count
    for _, field, history_key in _SKETCHES:
        for word in range(SKETCH_WORDS):
            bits = int(history.get(f"{field}{word}", 0))
            if bits:
                state[sketch_key(history_key, word)] = bits
    return state


def is_counted(key: str) -> bool:
    """A state key that adds up across sessions."""
    return key in (PAGEVIEWS, SEARCHES) or key.startswith(NAME_PREFIX) or key.startswith(KIND_PREFIX)


def changes(
    start: Mapping[str, int | float], end: Mapping[str, int | float], *, opened: bool,
    last_at: datetime, achieved: Iterable[str],
) -> tuple[dict[str, int], dict[str, Any], dict[str, int]]:
    """What one batch of a session adds to its customer's summary, as field paths under
    `history`: (increments, maxima, bits to or in). `achieved`: outcome ids achieved
    in the batch."""
    increments: dict[str, int] = {}
    if opened:
        increments[_SESSIONS] = 1
    known = -1  # counted when first needed
    for key, value in end.items():
        if value == start.get(key) or not is_counted(key):
            continue
        added = int(value - start.get(key, 0))
        if not added:
            continue
        # The summary keeps as many event names as a session does; a new name beyond
        # that is not remembered.
        if key.startswith(NAME_PREFIX) and HISTORY_PREFIX + key not in end:
            if known < 0:
                known = sum(1 for name in end if name.startswith(_HISTORY_NAME))
            if known >= MAX_TRACKED_NAMES:
                continue
            known += 1
        increments[f"{_COUNTS}.{key.replace(_DOT, _ESCAPED_DOT)}"] = added
    for outcome_id in achieved:
        increments[f"{_COUNTS}.{ACHIEVED_PREFIX}{outcome_id}"] = 1
    bits: dict[str, int] = {}
    for key, field in _SESSION_SKETCH_FIELDS:
        added_bits = int(end.get(key, 0)) & ~int(start.get(key, 0))
        if added_bits:
            bits[field] = added_bits
    return increments, {_LAST_AT: last_at}, bits


def advanced(history: Mapping[str, Any] | None, changes: tuple[dict, dict, dict]) -> dict[str, Any]:
    """The summary after a batch's (increments, maxima, bits), as the database's $inc,
    $max and $bit leave it; `history` is left untouched."""
    increments, maxima, bits = changes
    summary = {key: dict(value) if isinstance(value, dict) else value for key, value in (history or {}).items()}
    for path, value in increments.items():
        *parents, leaf = path.split(_DOT)
        target = summary
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = target.get(leaf, 0) + value
    for path, value in maxima.items():
        summary[path] = value if summary.get(path) is None else max(summary[path], value)
    for path, value in bits.items():
        previous: Any = summary.get(path, 0)
        summary[path] = int(previous) | value
    return summary


def merged(source: Mapping[str, Any] | None) -> tuple[dict, dict, dict]:
    """What a merged customer's summary adds to the one it merges into: (increments,
    maxima, bits), as field paths under `history`."""
    source = source or {}
    increments = {f"{_COUNTS}.{key}": count for key, count in (source.get(_COUNTS) or {}).items() if count}
    if source.get(_SESSIONS):
        increments[_SESSIONS] = int(source[_SESSIONS])
    maxima = {_LAST_AT: source[_LAST_AT]} if source.get(_LAST_AT) else {}
    bits = {
        f"{field}{word}": int(source[f"{field}{word}"])
        for _, field, _ in _SKETCHES for word in range(SKETCH_WORDS) if source.get(f"{field}{word}")
    }
    return increments, maxima, bits
