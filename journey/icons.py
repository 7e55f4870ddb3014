"""Icon names of journey map items, and the legend a UI builds from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LEGEND: dict[str, str] = {
    "pageview": "Page viewed",
    "search": "Search performed",
    "custom": "Custom event",
    "segment": "Segment matched (in the segment's colour)",
    "outcome": "Outcome achieved",
    "identified": "Visitor identified",
    "conversation": "Conversation",
}

CUSTOM_ICONS: dict[str, str] = {
    "cart": "Added to cart",
    "heart": "Saved as a favourite",
    "star": "Rated or reviewed",
    "download": "Downloaded",
    "video": "Watched a video",
    "phone": "Asked for a call",
    "mail": "Signed up by email",
    "tag": "Used a coupon",
    "user": "Account activity",
    "info": "Information",
    "bag": "Bought something",
}
"""Icons a custom event may name for itself."""
LEGEND.update(CUSTOM_ICONS)

_BY_KIND = {
    "PAGEVIEW": "pageview",
    "SEARCH": "search",
    "CUSTOM": "custom",
    "SEGMENT_MATCHED": "segment",
    "OUTCOME_ACHIEVED": "outcome",
    "IDENTIFIED": "identified",
    "CONVERSATION": "conversation",
}

BY_DETAIL: dict[str, Callable[[dict[str, Any]], str]] = {}
"""Kinds whose icon depends on the item's detail (an engagement's media and state, say)."""

NAMED: dict[str, str] = {}
"""Icons of custom events known by name (a logout, say)."""


def icon_for(event: dict[str, Any]) -> str:
    kind = event["kind"]
    if kind in BY_DETAIL:
        return BY_DETAIL[kind](event)
    if kind == "CUSTOM":
        chosen = (event.get("display") or {}).get("icon")
        if chosen in CUSTOM_ICONS:
            return chosen
        if event.get("name") in NAMED:
            return NAMED[event["name"]]
    return _BY_KIND.get(kind, "custom")
