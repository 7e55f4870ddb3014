"""What a segment is, and the checks an admin's definition must pass before it is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from journey import definitions as shared
from journey.incoming import text

SESSION = "SESSION"
CUSTOMER = "CUSTOMER"
SCOPES = (SESSION, CUSTOMER)
MAX_NAME = 100
MAX_SEGMENTS = 500
"""Every active segment is evaluated on every event: the bound keeps ingest fast."""
COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True, slots=True)
class Segment(shared.Definition):
    color: str
    scope: str
    display_to_agent: bool

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Segment:
        return cls(
            **shared.Definition.common_fields(doc),
            color=doc["color"],
            scope=doc["scope"],
            display_to_agent=doc.get("displayToAgent", True),
        )


def definition(
    *,
    name: Any,
    description: Any,
    color: Any,
    scope: Any,
    display_to_agent: Any,
    conditions: Any,
) -> dict[str, Any]:
    """A segment's fields as stored, or InvalidInput naming the first bad part."""
    if scope not in SCOPES:
        raise InvalidInput("scope", f"must be one of {', '.join(SCOPES)}")
    if not isinstance(display_to_agent, bool):
        raise InvalidInput("displayToAgent", "must be true or false")
    return {
        "name": text(name, "name", limit=MAX_NAME),
        "description": shared.description(description),
        "color": _color(color),
        "scope": scope,
        "displayToAgent": display_to_agent,
        "conditions": shared.conditions(conditions),
    }


def _color(value: Any) -> str:
    if not isinstance(value, str) or not COLOR.fullmatch(value):
        raise InvalidInput("color", "must be #RRGGBB")
    return value.upper()
