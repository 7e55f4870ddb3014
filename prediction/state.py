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
HOUR = "hour"
WEEKDAY = "weekday"
CATEGORY_CODE = "category_code"
"""The product category of the latest event that named one, as a number stable across
processes (crc32): a trained model looks up how often that category sells."""
CATEGORY_EVENTS_PREFIX = "category_events:"
"""Events in this session per product category, by code (`category_events:<code>`), for
the first MAX_TRACKED_CATEGORIES categories: a trained model reads how often the
categories of the whole session sell, not only the latest one's."""
TRACKED_CATEGORIES = "tracked_categories"
MAX_TRACKED_CATEGORIES = 16
CATEGORY_AGAIN = "category_again"
"""Events on a product category already seen in this session."""
SEEN_BEFORE = "items_seen_before"
"""Events on items the customer looked at in earlier sessions."""
CARTED_BEFORE = "items_carted_before"
"""Events on items the customer put in the cart in earlier sessions."""
CATEGORIES_SEEN_BEFORE = "categories_seen_before"
"""Events on product categories the customer looked at in earlier sessions."""
CURRENT_ITEM_CARTED = "current_item_carted"
"""1 while the latest event's item has been put in the cart in this session, else 0."""
CURRENT_ITEM_CARTED_BEFORE = "current_item_carted_before"
"""1 while the latest event's item was put in the cart in an earlier session, else 0."""
EVENTS_SINCE_CART = "events_since_cart"
"""Events after the latest cart add of this session (absent until one)."""
LATEST_EVENT_KEYS = frozenset({GAP_SECONDS, HOUR, WEEKDAY, CATEGORY_CODE, CURRENT_ITEM_CARTED,
                               CURRENT_ITEM_CARTED_BEFORE, EVENTS_SINCE_CART})
"""Keys that say where the session stands at its latest event, not counts: two batches
of a session stored at once leave one batch's word, never a sum of their changes."""
HISTORY_PREFIX = "history:"
"""Keys copied from the customer's earlier sessions when this one opened; they do not change."""
HISTORY_SEEN_SKETCH = "history:seen"
HISTORY_CARTED_SKETCH = "history:carted"
HISTORY_CATEGORY_SKETCH = "history:categories"
ITEM_SKETCH = "item_sketch"
CARTED_SKETCH = "carted_sketch"
CATEGORY_SKETCH = "category_sketch"
SKETCH_PREFIXES = (ITEM_SKETCH, CARTED_SKETCH, CATEGORY_SKETCH, HISTORY_SEEN_SKETCH, HISTORY_CARTED_SKETCH,
                   HISTORY_CATEGORY_SKETCH)
SKETCH_WORDS = 4
"""Item and category sketches span this many 63-bit words, so sessions of a few dozen
items rarely confuse two of them."""
CART_NAMES = frozenset({"add_to_cart"})
ITEM_ATTRIBUTES = ("item_id", "itemId", "item", "product_id", "productId", "sku")
CATEGORY_ATTRIBUTES = ("category_id", "categoryId", "category", "item_category")

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

    # Time of day and weekday in UTC, the only clock every site shares.
    moment = event["occurredAt"]
    folded[HOUR] = moment.hour
    folded[WEEKDAY] = moment.weekday()
    _mark_item(folded, event)

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


def item_of(event: Mapping) -> str | None:
    """The product an event is about: the page it happened on (a product's page), else
    an item attribute (a cart add sent without its page)."""
    page = event.get("page")
    url = page.get("url") if page else None
    if url:
        return url.split("?", 1)[0]
    attributes = event.get("attributes") or {}
    for name in ITEM_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def category_of(event: Mapping) -> str | None:
    attributes = event.get("attributes") or {}
    for name in CATEGORY_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


SKETCH_KEYS = {prefix: tuple(f"{prefix}{word}" for word in range(SKETCH_WORDS)) for prefix in SKETCH_PREFIXES}
"""The keys of each sketch's words, made once: they are read on every event."""
_SKETCH_KEY_SET = frozenset({PAGE_SKETCH, *(key for keys in SKETCH_KEYS.values() for key in keys)})


def is_sketch(key: str) -> bool:
    """A key holding bits of a sketch: stored by or-ing, never by adding."""
    return key in _SKETCH_KEY_SET


def sketch_key(prefix: str, word: int) -> str:
    return SKETCH_KEYS[prefix][word]


def sketch_position(value: str) -> tuple[int, int]:
    """(word, bit) of a value in a sketch; crc32, as for pages, is stable across processes."""
    spot = zlib.crc32(value.encode()) % (SKETCH_WORDS * _SKETCH_BITS)
    return divmod(spot, _SKETCH_BITS)


def in_sketch(state: Mapping[str, int | float], prefix: str, value: str) -> bool:
    word, bit = sketch_position(value)
    return bool(int(state.get(sketch_key(prefix, word), 0)) >> bit & 1)


def add_to_sketch(state: FeatureState, prefix: str, value: str) -> None:
    word, bit = sketch_position(value)
    key = sketch_key(prefix, word)
    state[key] = int(state.get(key, 0)) | (1 << bit)


def sketch_count(state: Mapping[str, int | float], prefix: str) -> float:
    """Estimated distinct values in a sketch (linear counting)."""
    total = SKETCH_WORDS * _SKETCH_BITS
    set_bits = sum(int(state.get(key, 0)).bit_count() for key in SKETCH_KEYS[prefix])
    if not set_bits:
        return 0.0
    return total * math.log(total / max(1, total - set_bits))


def _mark_item(state: FeatureState, event: Mapping) -> None:
    carting = event.get("name") in CART_NAMES
    if carting:
        state[EVENTS_SINCE_CART] = 0
    elif EVENTS_SINCE_CART in state:
        state[EVENTS_SINCE_CART] += 1
    item = item_of(event)
    # Whether the item in front of the shopper now is one they put in the cart: a carted
    # item come back to is nearer a purchase than the session's cart adds in general.
    state[CURRENT_ITEM_CARTED] = state[CURRENT_ITEM_CARTED_BEFORE] = 0
    if item is not None:
        carted_before = in_sketch(state, HISTORY_CARTED_SKETCH, item)
        state[CURRENT_ITEM_CARTED_BEFORE] = int(carted_before)
        if in_sketch(state, HISTORY_SEEN_SKETCH, item):
            state[SEEN_BEFORE] = state.get(SEEN_BEFORE, 0) + 1
        if carted_before:
            state[CARTED_BEFORE] = state.get(CARTED_BEFORE, 0) + 1
        add_to_sketch(state, ITEM_SKETCH, item)
        if carting:
            add_to_sketch(state, CARTED_SKETCH, item)
        state[CURRENT_ITEM_CARTED] = int(in_sketch(state, CARTED_SKETCH, item))
    category = category_of(event)
    if category is not None:
        code = category_code(category)
        state[CATEGORY_CODE] = code
        _count_category(state, code)
        if in_sketch(state, CATEGORY_SKETCH, category):
            state[CATEGORY_AGAIN] = state.get(CATEGORY_AGAIN, 0) + 1
        if in_sketch(state, HISTORY_CATEGORY_SKETCH, category):
            state[CATEGORIES_SEEN_BEFORE] = state.get(CATEGORIES_SEEN_BEFORE, 0) + 1
        add_to_sketch(state, CATEGORY_SKETCH, category)


def category_code(category: str) -> int:
    return zlib.crc32(category.encode())


def distinct_pages(state: Mapping[str, int | float]) -> float:
    """Estimated distinct page URLs viewed: near exact up to ~20, saturating near 260."""
    sketch = int(state.get(PAGE_SKETCH, 0))
    if not sketch:
        return 0.0
    empty_bits = max(1, _SKETCH_BITS - sketch.bit_count())
    return _SKETCH_BITS * math.log(_SKETCH_BITS / empty_bits)


def _count_tracked(state: FeatureState, key: str, *, tracked: str, limit: int) -> None:
    """Count one more under `key`; a key not counted yet starts only while fewer than
    `limit` keys are tracked (their number kept under `tracked`)."""
    if key in state:
        state[key] += 1
    elif state.get(tracked, 0) < limit:
        state[key] = 1
        state[tracked] = state.get(tracked, 0) + 1


def _count_name(state: FeatureState, key: str) -> None:
    _count_tracked(state, key, tracked=TRACKED_NAMES, limit=MAX_TRACKED_NAMES)


def _count_category(state: FeatureState, code: int) -> None:
    _count_tracked(state, f"{CATEGORY_EVENTS_PREFIX}{code}", tracked=TRACKED_CATEGORIES, limit=MAX_TRACKED_CATEGORIES)


def _mark_page(state: FeatureState, page: Mapping | None) -> None:
    url = page.get("url") if page else None
    if url:
        # crc32 rather than hash(): str hashes are salted per process, the state is not.
        bit = zlib.crc32(url.encode()) % _SKETCH_BITS
        state[PAGE_SKETCH] = int(state.get(PAGE_SKETCH, 0)) | (1 << bit)
