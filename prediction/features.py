"""Named model features of a session: its folded state plus its context and segments."""

import math
from collections.abc import Iterable, Mapping

from prediction.history import ACHIEVED_PREFIX, HOURS_SINCE, SESSIONS
from prediction.state import (
    CARTED_BEFORE,
    CATEGORIES_SEEN_BEFORE,
    CATEGORY_AGAIN,
    CATEGORY_CODE,
    CATEGORY_EVENTS_PREFIX,
    CURRENT_ITEM_CARTED,
    CURRENT_ITEM_CARTED_BEFORE,
    ELAPSED_SECONDS,
    EVENTS_SINCE_CART,
    GAP_SECONDS,
    HISTORY_PREFIX,
    HOUR,
    ITEM_SKETCH,
    KIND_PREFIX,
    NAME_PREFIX,
    PAGEVIEWS,
    SEARCHES,
    SEEN_BEFORE,
    WEEKDAY,
    distinct_pages,
    is_sketch,
    sketch_count,
)

FEATURE_SET = 3
"""The version of what feature_vector computes. A stored model records the one it was
trained on; a model of another set is not scored (its weights would meet features that
no longer exist, or miss new ones) until the outcome is trained again."""
REPEAT_PAGEVIEWS = "repeat_pageviews"
SESSION_MINUTES = "session_minutes"
GAP_MINUTES = "gap_minutes"
PAID_CAMPAIGN = "paid_campaign"
DEVICE_PREFIX = "device:"
REFERRER_PREFIX = "referrer:"
SEGMENT_PREFIX = "segment:"
DISTINCT_ITEMS = "distinct_items"
DAYPART_PREFIX = "daypart:"
WEEKEND = "weekend"
DAYPART_HOURS = 3
"""The day is read in parts of this many hours (UTC), `daypart:<first hour>-<end hour>`:
a shop's visitors buy at different rates within what one would call its morning or its
evening, and its own hours are not known in advance."""
CURRENT_CATEGORY_EVENTS = "current_category_events"
"""Events of this session in the product category it is on now (while that category is
one of the tracked ones, prediction.state.MAX_TRACKED_CATEGORIES)."""
PER_VISIT_PREFIX = "per_visit:"
"""Features: a count of the customer's earlier sessions divided by their number, e.g.
`per_visit:pageviews`, log1p-scaled."""
ACHIEVED_RATE_PREFIX = "achieved_rate:"
"""Features, by outcome id: the share of the customer's earlier sessions that achieved the
outcome, shrunk towards none (see ACHIEVED_PRIOR_SESSIONS)."""
ACHIEVED_PRIOR_SESSIONS = 10
"""The share counts as if the customer also had this many sessions that did not achieve
it: one visit that bought says less than ten that did."""
_HISTORY_ACHIEVED = HISTORY_PREFIX + ACHIEVED_PREFIX
# Totals that only say how long the shop has known the customer (see feature_vector).
_HISTORY_TOTALS = frozenset({SESSIONS, HOURS_SINCE})


PAID_MEDIUMS = frozenset(
    {"cpc", "ppc", "cpm", "cpv", "cpa", "paid", "paidsearch", "paid_search", "paid-search",
     "paidsocial", "paid_social", "paid-social", "display", "banner", "retargeting"}
)


def feature_vector(
    state: Mapping[str, int | float],
    context: Mapping | None,
    segment_ids: Iterable[str],
) -> dict[str, float]:
    """Sparse named features: zero-valued features are left out.

    Counts and durations are log1p-scaled so a long session does not swamp the
    model; device and referrer medium are one-hot; segments are flags.
    """
    features: dict[str, float] = {}
    pageviews = state.get(PAGEVIEWS, 0)
    _put_count(features, PAGEVIEWS, pageviews)
    # Returning to a page says more than the number of distinct pages, which would
    # mostly repeat the pageview count.
    _put_count(features, REPEAT_PAGEVIEWS, round(max(0.0, pageviews - distinct_pages(state))))
    _put_count(features, SEARCHES, state.get(SEARCHES, 0))
    # The customer's earlier sessions are read as rates per session, never as totals: the
    # totals grow with the time the shop has known its customers, so a model fitted on them
    # learns the calendar of its training weeks and ranks the next weeks' sessions worse.
    earlier_sessions = state.get(SESSIONS, 0)
    for key, value in state.items():
        if key.startswith(KIND_PREFIX) or key.startswith(NAME_PREFIX):
            _put_count(features, key, value)
        elif key.startswith(CATEGORY_EVENTS_PREFIX):
            # Identifiers with counts, like CATEGORY_CODE: read through the model's table.
            features[key] = float(value)
        elif not earlier_sessions or not key.startswith(HISTORY_PREFIX) or key in _HISTORY_TOTALS:
            continue
        elif key.startswith(_HISTORY_ACHIEVED):
            if value > 0:
                features[ACHIEVED_RATE_PREFIX + key.removeprefix(_HISTORY_ACHIEVED)] = (
                    value / (earlier_sessions + ACHIEVED_PRIOR_SESSIONS))
        elif not is_sketch(key):
            _put_count(features, PER_VISIT_PREFIX + key.removeprefix(HISTORY_PREFIX), value / earlier_sessions)
    for key in (SEEN_BEFORE, CARTED_BEFORE, CATEGORY_AGAIN, CATEGORIES_SEEN_BEFORE, EVENTS_SINCE_CART):
        _put_count(features, key, state.get(key, 0))
    for key in (CURRENT_ITEM_CARTED, CURRENT_ITEM_CARTED_BEFORE):
        if state.get(key):
            features[key] = 1.0
    if CATEGORY_CODE in state:
        _put_count(features, CURRENT_CATEGORY_EVENTS,
                   state.get(f"{CATEGORY_EVENTS_PREFIX}{int(state[CATEGORY_CODE])}", 0))
    _put_count(features, DISTINCT_ITEMS, round(sketch_count(state, ITEM_SKETCH)))
    if HOUR in state:
        hour = int(state[HOUR])
        start = hour - hour % DAYPART_HOURS
        features[f"{DAYPART_PREFIX}{start:02d}-{start + DAYPART_HOURS:02d}"] = 1.0
        if int(state.get(WEEKDAY, 0)) >= 5:
            features[WEEKEND] = 1.0
    if CATEGORY_CODE in state:
        # An identifier, not a measure: models read it through the category table they
        # learnt (prediction.categories), never as a number.
        features[CATEGORY_CODE] = float(state[CATEGORY_CODE])
    _put_count(features, SESSION_MINUTES, state.get(ELAPSED_SECONDS, 0.0) / 60.0)
    _put_count(features, GAP_MINUTES, state.get(GAP_SECONDS, 0.0) / 60.0)

    context = context or {}
    device = _lowered(context, "device", "category")
    if device:
        features[DEVICE_PREFIX + device] = 1.0
    referrer = _lowered(context, "referrer", "medium")
    if referrer:
        features[REFERRER_PREFIX + referrer] = 1.0
    if _lowered(context, "campaign", "medium") in PAID_MEDIUMS or referrer in PAID_MEDIUMS:
        features[PAID_CAMPAIGN] = 1.0
    for segment_id in segment_ids:
        features[SEGMENT_PREFIX + segment_id] = 1.0
    return features


def count_of(features: Mapping[str, float], name: str) -> int:
    """Undo the log1p scaling of a count feature."""
    return round(math.expm1(features.get(name, 0.0)))


def driver_of(feature: str) -> str:
    """The session property a feature measures; explanations are given per property.

    One-hot columns of the same context field share one property, so a session is
    explained as "on a mobile device" rather than as mobile and not-desktop apart.
    """
    if feature.startswith(DEVICE_PREFIX):
        return "device"
    if feature.startswith(REFERRER_PREFIX):
        return "referrer"
    if feature.startswith(DAYPART_PREFIX):
        return "daypart"
    return feature


def _put_count(features: dict[str, float], name: str, count: float) -> None:
    if count > 0:
        features[name] = math.log1p(count)


def _lowered(context: Mapping, part: str, field: str) -> str | None:
    value = (context.get(part) or {}).get(field)
    return value.strip().lower() if isinstance(value, str) and value.strip() else None
