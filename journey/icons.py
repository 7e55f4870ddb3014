"""Icon names of journey map items, and the legend a UI builds from them.

Each event type brings the icons of its items (journey.event_types); journey.assembly
puts them, with those of the items the pipeline adds, into one Icons value."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

IconRule = Callable[[Mapping[str, Any]], str]
"""The icon of an item whose kind draws it by its detail (an engagement's media and state, say)."""

CUSTOM_ICONS: Mapping[str, str] = MappingProxyType({
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
})
"""Icons a custom event may name for itself."""

BY_KIND: Mapping[str, str] = MappingProxyType({
    "PAGEVIEW": "pageview",
    "SEARCH": "search",
    "CUSTOM": "custom",
    "SEGMENT_MATCHED": "segment",
    "OUTCOME_ACHIEVED": "outcome",
    "IDENTIFIED": "identified",
    "CONVERSATION": "conversation",
})


def plain_icon(kind: str) -> str:
    """The icon of an item drawn by its kind alone, as the items the pipeline adds are."""
    return BY_KIND.get(kind, "custom")


@dataclass(frozen=True, slots=True)
class Icons:
    legend: Mapping[str, str]
    """Every icon name an item can carry, with what it means."""
    by_detail: Mapping[str, IconRule]
    """Kinds whose icon depends on the item's detail."""
    named: Mapping[str, str]
    """Icons of custom events known by name (a logout, say)."""

    def icon_for(self, item: Mapping[str, Any]) -> str:
        kind = item["kind"]
        if kind in self.by_detail:
            return self.by_detail[kind](item)
        if kind == "CUSTOM":
            chosen = (item.get("display") or {}).get("icon")
            if isinstance(chosen, str) and chosen in CUSTOM_ICONS:
                return chosen
            if item.get("name") in self.named:
                return self.named[item["name"]]
        return plain_icon(kind)
