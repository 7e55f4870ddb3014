"""The features outcome predictions read, kept as a session's events are ingested.

A session keeps its folded state (prediction.state) and each tracked journey item keeps
the model's features right after it: live scoring reads the session's state, training
reads the items' features, so a model learns from exactly what it is later shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from journey.work import CustomerCounters
from prediction import FeatureState, feature_vector, fold_event
from prediction import history as customer_history
from prediction.state import ELAPSED_SECONDS, HISTORY_PREFIX, LAST_AT, LATEST_EVENT_KEYS, is_sketch
from storage.documents import EventDocument
from storage.sessions import SessionDelta

FEATURES: Final = "features"
"""Session field: the folded state. Journey item field: the features right after it."""
HISTORY: Final = "history"
"""Customer field: the summary of its sessions that a new session's features start from
(prediction.history)."""
DERIVED_KINDS = frozenset({"SEGMENT_MATCHED", "OUTCOME_ACHIEVED"})
"""Items the system adds: they record what the visitor's events did, not events."""

# Custom event names may hold dots, which a stored field name cannot; names cannot
# hold this character, so the escape is undone exactly.
_DOT, _ESCAPED_DOT = ".", "\u2024"


def is_tracked(item: Mapping[str, Any]) -> bool:
    return item["kind"] not in DERIVED_KINDS


def encoded(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key.replace(_DOT, _ESCAPED_DOT): value for key, value in values.items()}


def decoded(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key.replace(_ESCAPED_DOT, _DOT): value for key, value in (values or {}).items()}


def session_state(session: Mapping[str, Any] | None) -> FeatureState:
    return decoded((session or {}).get(FEATURES))


class FeatureFold:
    """Folds a session's new items, in map order, into its state, and gives each tracked
    item the features right after it, counting the segments it completed."""

    def __init__(
        self, state: FeatureState, *, started_at: datetime, context: Mapping | None,
        segment_ids: Iterable[str],
    ) -> None:
        self.state = state
        self._started_at = started_at
        self._context = context
        self.segment_ids = list(dict.fromkeys(segment_ids))
        self._pending: EventDocument | dict[str, Any] | None = None

    def add(self, item: EventDocument | dict[str, Any]) -> None:
        """Fold in the next item; it will carry the features as they stand after it."""
        self._settle()
        self.state = fold_event(self.state, item, self._started_at)
        self._pending = item

    def matched(self, segment_id: str) -> None:
        """A segment matched right after the latest item: that item completed it."""
        if segment_id not in self.segment_ids:
            self.segment_ids.append(segment_id)

    def finish(self) -> FeatureState:
        self._settle()
        return self.state

    def vector(self) -> dict[str, float]:
        return feature_vector(self.state, self._context, self.segment_ids)

    def _settle(self) -> None:
        if self._pending is not None:
            self._pending[FEATURES] = encoded(self.vector())
            self._pending = None


def record_state(delta: SessionDelta, start: Mapping[str, Any], end: Mapping[str, Any]) -> None:
    """Store the change from `start` to `end` with atomic operators, so two batches of
    one session stored at once both count: counts add up, clocks only move forward and
    the page sketch keeps every page either saw."""
    for key, value in end.items():
        before = start.get(key)
        if value == before:
            continue
        path = f"{FEATURES}.{key.replace(_DOT, _ESCAPED_DOT)}"
        if key in (LAST_AT, ELAPSED_SECONDS):
            delta.maxes[path] = value
        elif key.startswith(HISTORY_PREFIX) or key in LATEST_EVENT_KEYS:
            # The history is copied once, when the session opens: setting it twice is
            # harmless. The clock's parts, the category and the item on screen are the
            # latest batch's word.
            delta.sets[path] = value
        elif is_sketch(key):
            delta.bits_or[path] = int(value)
        else:
            delta.increments[path] = value - (before or 0)


def opening_state(history: Mapping[str, Any] | None, started_at: datetime) -> FeatureState:
    """The state a new session starts from: what its customer's history says."""
    return customer_history.snapshot(history, started_at)


def batch_changes(
    start: Mapping[str, Any], end: Mapping[str, Any], *, opened: bool, last_at: datetime,
    achieved: Iterable[str],
) -> tuple[dict, dict, dict]:
    """What a batch of a session adds to its customer's history summary: (increments,
    maxima, bits) as paths inside the summary."""
    return customer_history.changes(start, end, opened=opened, last_at=last_at, achieved=achieved)


def batch_counters(changes: tuple[dict, dict, dict]) -> CustomerCounters:
    """The batch's changes as the customer document's counters."""
    return _under_history(changes)


def merged_history(history: Mapping[str, Any] | None) -> CustomerCounters:
    """What a merged customer's history summary adds to the one it merges into."""
    return _under_history(customer_history.merged(history))


def _under_history(parts: tuple[dict, dict, dict]) -> CustomerCounters:
    increments, maxima, bits = ({f"{HISTORY}.{path}": value for path, value in part.items()} for part in parts)
    return CustomerCounters(increments, maxima, bits)
