"""What an event type is: how a client's event of that type is read, which journey item it
becomes and which icons it brings. journey.assembly lists the types the service accepts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from journey.icons import CUSTOM_ICONS, IconRule, Icons
from journey.incoming import Parser, TrackedEvent, custom_fields, pageview_fields, search_fields
from storage.documents import EventDocument

ItemFiller = Callable[[TrackedEvent, EventDocument], None]
"""Fills the fields only this type's items carry into its journey item."""


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    """The `type` a client sends."""
    kind: str
    """The journey item kind its events become."""
    parse: Parser
    fill: ItemFiller | None = None
    legend: Mapping[str, str] = field(default_factory=dict)
    """The icons its items may carry, with what each means."""
    icon_rule: IconRule | None = None
    """Draws the items of its kind by their detail."""
    named_icons: Mapping[str, str] = field(default_factory=dict)
    """Icons of custom items known by their name."""


@dataclass(frozen=True, slots=True)
class EventTypes:
    """The event types the service accepts, in the order a client is told them, with the
    icons of every journey item."""

    by_name: Mapping[str, EventType]
    parsers: Mapping[str, Parser]
    icons: Icons

    @classmethod
    def of(cls, types: Iterable[EventType], *, legend: Mapping[str, str]) -> EventTypes:
        """legend: the icons no event type brings (the pipeline's own items, say)."""
        by_name: dict[str, EventType] = {}
        full_legend = dict(legend)
        by_detail: dict[str, IconRule] = {}
        named: dict[str, str] = {}
        for event_type in types:
            if event_type.name in by_name:
                raise ValueError(f"event type '{event_type.name}' is listed twice")
            by_name[event_type.name] = event_type
            full_legend.update(event_type.legend)
            if event_type.icon_rule is not None:
                by_detail[event_type.kind] = event_type.icon_rule
            named.update(event_type.named_icons)
        return cls(
            by_name=MappingProxyType(by_name),
            parsers=MappingProxyType({name: event_type.parse for name, event_type in by_name.items()}),
            icons=Icons(
                legend=MappingProxyType(full_legend),
                by_detail=MappingProxyType(by_detail),
                named=MappingProxyType(named),
            ),
        )


def _custom_item(event: TrackedEvent, document: EventDocument) -> None:
    if event.data.get("icon"):
        document["display"] = {"icon": event.data["icon"]}


PAGEVIEW = EventType("pageview", "PAGEVIEW", pageview_fields, legend={"pageview": "Page viewed"})
SEARCH = EventType("search", "SEARCH", search_fields, legend={"search": "Search performed"})
CUSTOM = EventType(
    "custom", "CUSTOM", custom_fields, fill=_custom_item, legend={"custom": "Custom event", **CUSTOM_ICONS},
)
"""The three types every tracker sends."""
