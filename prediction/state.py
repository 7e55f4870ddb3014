"""Per-session feature state, folded one event at a time.

The state is a flat dict of str -> int/float so it can be stored as-is beside the
session (JSON or BSON) and updated on every event without replaying the journey.
"""

import math
import zlib
from collections.abc import Mapping, Set
from datetime import datetime

FeatureState = dict[str, int | float]

PAGEVIEWS = "pageviews"
SEARCHES = "searches"
PAGE_SKETCH = "page_sketch"
TRACKED_NAMES = "tracked_names"
ELAPSED_SECONDS = "elapsed_seconds"
GAP_SECONDS = "gap_seconds"
LAST_AT = "last_at"
KIND_PREFIX = "kind:"
NAME_PREFIX = "name:"

# A custom event is identified by its site-given name, any other by its kind; counting
# an event both ways would give the model identical columns that split its weight.
_CUSTOM_KIND = "CUSTOM"
_KINDS_WITH_OWN_COUNTER = {"PAGEVIEW": PAGEVIEWS, "SEARCH": SEARCHES}

# Sites can emit any number of custom names; the state must stay small.
MAX_TRACKED_NAMES = 64

# Distinct pages are estimated by linear counting over a bitmap that fits one signed
# 64-bit integer, so the state never holds a growing set of URLs.
_SKETCH_BITS = 63


def fold_event(
    state: Mapping[str, int | float],
    event: Mapping,
    started_at: datetime,
    *,
    exclude_names: Set[str] = frozenset(),
) -> FeatureState:
    """Return the state after `event`; `state` is left untouched.

    Start from `{}`. Events whose name is in `exclude_names` (the outcome's own
    events) leave the state as it was, so no model can learn an outcome from itself.
    """
    folded = dict(state)
    name = event.get("name")
    if name in exclude_names:
        return folded

    at = event["occurredAt"].timestamp()
    since_start = max(0.0, at - started_at.timestamp())
    last_at = folded.get(LAST_AT)
    # A late-arriving event must not move the clock backwards.
    folded[GAP_SECONDS] = since_start if last_at is None else max(0.0, at - last_at)
    folded[LAST_AT] = at if last_at is None else max(last_at, at)
    folded[ELAPSED_SECONDS] = max(folded.get(ELAPSED_SECONDS, 0.0), since_start)

    kind = event["kind"]
    if kind == _CUSTOM_KIND:
        if name:
            _count_name(folded, NAME_PREFIX + name)
        return folded
    key = _KINDS_WITH_OWN_COUNTER.get(kind) or KIND_PREFIX + kind
    folded[key] = folded.get(key, 0) + 1
    if key == PAGEVIEWS:
        _mark_page(folded, event.get("page"))
    return folded


def distinct_pages(state: Mapping[str, int | float]) -> float:
    """Estimated distinct page URLs viewed: near exact up to ~20, saturating near 260."""
    sketch = int(state.get(PAGE_SKETCH, 0))
    if not sketch:
        return 0.0
    empty_bits = max(1, _SKETCH_BITS - sketch.bit_count())
    return _SKETCH_BITS * math.log(_SKETCH_BITS / empty_bits)


def _count_name(state: FeatureState, key: str) -> None:
    if key in state:
        state[key] += 1
    elif state.get(TRACKED_NAMES, 0) < MAX_TRACKED_NAMES:
        state[key] = 1
        state[TRACKED_NAMES] = state.get(TRACKED_NAMES, 0) + 1


def _mark_page(state: FeatureState, page: Mapping | None) -> None:
    url = page.get("url") if page else None
    if url:
        # crc32 rather than hash(): str hashes are salted per process, the state is not.
        bit = zlib.crc32(url.encode()) % _SKETCH_BITS
        state[PAGE_SKETCH] = int(state.get(PAGE_SKETCH, 0)) | (1 << bit)
