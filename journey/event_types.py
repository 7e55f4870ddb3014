"""Every event type beyond pageview, search and custom, registered in one place."""

from __future__ import annotations

from typing import Any

from journey import engagement_events, form_events, identify_events, items
from journey.incoming import TrackedEvent


def _custom_item(event: TrackedEvent, document: dict[str, Any]) -> None:
    if event.data.get("icon"):
        document["display"] = {"icon": event.data["icon"]}


def register(*, phone_default_region: str) -> None:
    identify_events.register(phone_default_region)
    engagement_events.register()
    form_events.register()
    items.EXTRAS["custom"] = _custom_item
