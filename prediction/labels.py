"""Human phrases for the session properties that explain a prediction."""

import math
from collections.abc import Mapping

from prediction.categories import CATEGORY_SELLS, SESSION_CATEGORIES_SELL
from prediction.features import (
    ACHIEVED_RATE_PREFIX,
    CURRENT_CATEGORY_EVENTS,
    DAYPART_PREFIX,
    DEVICE_PREFIX,
    DISTINCT_ITEMS,
    GAP_MINUTES,
    PAID_CAMPAIGN,
    PER_VISIT_PREFIX,
    REFERRER_PREFIX,
    REPEAT_PAGEVIEWS,
    SEGMENT_PREFIX,
    SESSION_MINUTES,
    WEEKEND,
    count_of,
)
from prediction.history import ACHIEVED_PREFIX, HOURS_SINCE, SESSIONS
from prediction.state import (
    CARTED_BEFORE,
    CATEGORIES_SEEN_BEFORE,
    CATEGORY_AGAIN,
    CURRENT_ITEM_CARTED,
    CURRENT_ITEM_CARTED_BEFORE,
    EVENTS_SINCE_CART,
    HISTORY_PREFIX,
    KIND_PREFIX,
    NAME_PREFIX,
    PAGEVIEWS,
    SEARCHES,
    SEEN_BEFORE,
)

CART_ADDS = NAME_PREFIX + "add_to_cart"

# Past-tense phrases, so "has not ..." reads naturally when the count is zero.
_EVENT_PHRASES = {
    "add_to_cart": "added an item to the cart",
    "remove_from_cart": "removed an item from the cart",
    "favorite": "saved an item as a favourite",
    "add_to_wishlist": "saved an item to the wishlist",
    "begin_checkout": "started checkout",
    "add_payment_info": "entered payment details",
    "add_shipping_info": "entered shipping details",
    "sign_up": "signed up",
    "login": "logged in",
    "view_item": "viewed a product",
    "select_item": "selected a product",
    "FORM_SUBMITTED": "submitted a form",
    "WEB_ACTION": "performed an action on the page",
}

_REFERRER_PHRASES = {
    "search": "came from a search engine",
    "paid": "came from a paid ad",
    "internal": "came from another page of the site",
    "unknown": "came from an unrecognised referrer",
    "organic": "came from a search engine",
    "social": "came from social media",
    "email": "came from an email",
    "referral": "came from another website",
    "direct": "came directly",
    "none": "came directly",
}


def describe(driver: str, features: Mapping[str, float]) -> str:
    """Phrase for `driver` (see features.driver_of) as it stands in this session."""
    if driver == "device":
        device = _one_hot_value(features, DEVICE_PREFIX)
        return f"on a {device} device" if device else "device unknown"
    if driver == "referrer":
        medium = _one_hot_value(features, REFERRER_PREFIX)
        if medium is None:
            return "referrer unknown"
        return _REFERRER_PHRASES.get(medium, f'came via "{medium}"')
    if driver == "daypart":
        part = _one_hot_value(features, DAYPART_PREFIX)
        if not part:
            return "time of day unknown"
        start, end = part.split("-")
        return f"visiting between {start}:00 and {end}:00 (UTC)"
    if driver == WEEKEND:
        return "visiting at the weekend" if features.get(driver) else "visiting on a weekday"
    if driver == PAID_CAMPAIGN:
        return "came from a paid campaign" if features.get(driver) else "not from a paid campaign"
    if driver == CATEGORY_SELLS:
        sells = features.get(driver, 0.0)
        if not sells:
            return "on a product category with no sales record"
        return "on a product category that often sells" if sells > 0 else "on a product category that seldom sells"
    if driver == SESSION_CATEGORIES_SELL:
        sells = features.get(driver, 0.0)
        if not sells:
            return "in product categories with no sales record"
        return "in product categories that often sell" if sells > 0 else "in product categories that seldom sell"
    if driver == CURRENT_ITEM_CARTED:
        return "on an item carted in this visit" if features.get(driver) else "not on an item carted in this visit"
    if driver == CURRENT_ITEM_CARTED_BEFORE:
        return ("on an item carted on an earlier visit" if features.get(driver)
                else "not on an item carted on an earlier visit")
    if driver == EVENTS_SINCE_CART:
        since = count_of(features, driver)
        if since > 0:
            return _counted(since, "event", "events") + " since adding to the cart"
        return "just added to the cart" if count_of(features, CART_ADDS) else "has not added to the cart"
    if driver.startswith(ACHIEVED_RATE_PREFIX):
        outcome = driver.removeprefix(ACHIEVED_RATE_PREFIX)
        done = "achieved" if features.get(driver) else "not achieved"
        return f'has {done} outcome "{outcome}" on earlier visits'
    if driver.startswith(PER_VISIT_PREFIX):
        return _per_visit(driver.removeprefix(PER_VISIT_PREFIX), math.expm1(features.get(driver, 0.0)))
    if driver.startswith(SEGMENT_PREFIX):
        segment = driver.removeprefix(SEGMENT_PREFIX)
        return f'in segment "{segment}"' if features.get(driver) else f'not in segment "{segment}"'
    return describe_count(driver, count_of(features, driver))


def describe_count(driver: str, count: int) -> str:
    """Phrase for a counted property: pages, searches, minutes, events by name or kind."""
    if driver == PAGEVIEWS:
        return _counted(count, "page viewed", "pages viewed")
    if driver == REPEAT_PAGEVIEWS:
        return _done("viewed a page again", count)
    if driver == SESSION_MINUTES:
        return _minutes(count) + " into the session"
    if driver == GAP_MINUTES:
        return _minutes(count) + " since the previous event"
    if driver == SEARCHES:
        return _done("searched", count)
    if driver == DISTINCT_ITEMS:
        return _counted(count, "item looked at", "items looked at")
    if driver == SEEN_BEFORE:
        return _done("looked again at an item seen on an earlier visit", count)
    if driver == CARTED_BEFORE:
        return _done("came back to an item carted on an earlier visit", count)
    if driver == CATEGORY_AGAIN:
        return _done("went back to a category seen in this visit", count)
    if driver == CURRENT_CATEGORY_EVENTS:
        return _counted(count, "event", "events") + " in the current product category"
    if driver == CATEGORIES_SEEN_BEFORE:
        return _done("browsed a category seen on an earlier visit", count)
    if driver == SESSIONS:
        return "first visit" if count <= 0 else _counted(count, "earlier visit", "earlier visits")
    if driver == HOURS_SINCE:
        return _counted(count, "hour", "hours") + " since the previous visit" if count >= 1 else (
            "back within the hour")
    if driver.startswith(HISTORY_PREFIX):
        return "on earlier visits: " + _earlier(driver.removeprefix(HISTORY_PREFIX), count)
    if driver.startswith(NAME_PREFIX):
        name = driver.removeprefix(NAME_PREFIX)
        return _done(_EVENT_PHRASES.get(name, f'triggered "{name}"'), count)
    if driver.startswith(KIND_PREFIX):
        kind = driver.removeprefix(KIND_PREFIX)
        phrase = _EVENT_PHRASES.get(kind, f"triggered a {kind.lower().replace('_', ' ')} event")
        return _done(phrase, count)
    return f"{driver}: {count}"


def _per_visit(driver: str, rate: float) -> str:
    """Phrase for a count of earlier sessions per session: rates below one are common."""
    if driver == PAGEVIEWS:
        return f"viewed {rate:.1f} pages per earlier visit"
    if driver == SEARCHES:
        return f"searched {rate:.1f}× per earlier visit"
    if driver.startswith(NAME_PREFIX):
        name = driver.removeprefix(NAME_PREFIX)
        return f"{_EVENT_PHRASES.get(name, f'triggered \"{name}\"')} {rate:.1f}× per earlier visit"
    if driver.startswith(KIND_PREFIX):
        kind = driver.removeprefix(KIND_PREFIX)
        phrase = _EVENT_PHRASES.get(kind, f"triggered a {kind.lower().replace('_', ' ')} event")
        return f"{phrase} {rate:.1f}× per earlier visit"
    return f"{driver}: {rate:.1f} per earlier visit"


def _earlier(driver: str, count: int) -> str:
    if driver.startswith(ACHIEVED_PREFIX):
        return _done(f'achieved outcome "{driver.removeprefix(ACHIEVED_PREFIX)}"', count)
    return describe_count(driver, count)


def _done(phrase: str, count: int) -> str:
    if count <= 0:
        return "has not " + phrase
    return phrase if count == 1 else f"{phrase} ({count}×)"


def _counted(count: int, singular: str, plural: str) -> str:
    if count <= 0:
        return "no " + plural
    return f"{count} {singular if count == 1 else plural}"


def _minutes(count: int) -> str:
    return "under a minute" if count < 1 else _counted(count, "minute", "minutes")


def _one_hot_value(features: Mapping[str, float], prefix: str) -> str | None:
    for name, value in features.items():
        if value and name.startswith(prefix):
            return name.removeprefix(prefix)
    return None
