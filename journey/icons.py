"""Icon names of journey map items, and the legend a UI builds from them."""

from __future__ import annotations

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

_BY_KIND = {
    "PAGEVIEW": "pageview",
    "SEARCH": "search",
    "CUSTOM": "custom",
    "SEGMENT_MATCHED": "segment",
    "OUTCOME_ACHIEVED": "outcome",
    "IDENTIFIED": "identified",
    "CONVERSATION": "conversation",
}


NAMED: dict[str, str] = {}
"""Icons of custom events known by name (a logout, say)."""


def icon_for(event: dict[str, Any]) -> str:
    if event["kind"] == "CUSTOM" and event.get("name") in NAMED:
        return NAMED[event["name"]]
    return _BY_KIND.get(event["kind"], "custom")
