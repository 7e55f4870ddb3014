"""Labelled feature rows from finished sessions, as a live session would have looked."""

from collections.abc import Iterable, Mapping, Sequence

from prediction.features import feature_vector
from prediction.state import FeatureState, fold_event

MAX_PREFIXES_PER_SESSION = 30

# context, segment ids, events sorted by time, whether the outcome was achieved
Journey = tuple[Mapping | None, Sequence[str], Sequence[Mapping], bool]


def training_rows(
    journeys: Iterable[Journey],
    outcome_event_names: Iterable[str],
    *,
    max_prefixes: int = MAX_PREFIXES_PER_SESSION,
) -> list[tuple[dict[str, float], bool]]:
    """One row per session prefix, labelled with the session's eventual outcome.

    A prefix ends after each event other than an outcome event; an achieved session
    contributes only prefixes before its first outcome event, when the prediction still
    mattered. At most `max_prefixes` evenly spaced prefixes per session are kept so
    long sessions do not dominate the fit.
    """
    if max_prefixes < 2:
        raise ValueError("max_prefixes must be at least 2")
    outcome_names = frozenset(outcome_event_names)
    rows: list[tuple[dict[str, float], bool]] = []
    for context, segment_ids, events, achieved in journeys:
        if not events:
            continue
        started_at = events[0]["occurredAt"]
        state: FeatureState = {}
        prefixes = []
        for event in events:
            if event.get("name") in outcome_names:
                if achieved:
                    break
                continue
            state = fold_event(state, event, started_at)
            prefixes.append(state)
        for prefix in evenly_spaced(prefixes, max_prefixes):
            rows.append((feature_vector(prefix, context, segment_ids), achieved))
    return rows


def evenly_spaced[T](items: list[T], limit: int) -> list[T]:
    """At most `limit` of `items`, spread evenly from the first to the last."""
    if len(items) <= limit:
        return items
    last = len(items) - 1
    return [items[i * last // (limit - 1)] for i in range(limit)]
