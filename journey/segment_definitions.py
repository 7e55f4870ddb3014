"""What a segment is, and the checks an admin's definition must pass before it is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import InvalidInput
from journey import definition_fields as fields
from journey.incoming import text
from rules import Rule, parse_conditions

SESSION = "SESSION"
CUSTOMER = "CUSTOMER"
SCOPES = (SESSION, CUSTOMER)
MAX_NAME = 100
MAX_SEGMENTS = 500
"""Every active segment is evaluated on every event: the bound keeps ingest fast."""
COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    name: str
    description: str
    color: str
    scope: str
    display_to_agent: bool
    active: bool
    conditions: tuple[dict[str, Any], ...]
    revision: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Segment:
        return cls(
            id=doc["_id"],
            name=doc["name"],
            description=doc.get("description") or "",
            color=doc["color"],
            scope=doc["scope"],
            display_to_agent=doc.get("displayToAgent", True),
            active=doc.get("active", True),
            conditions=tuple(doc["conditions"]),
            revision=doc.get("revision", 1),
            created_at=doc["createdAt"],
            updated_at=doc["updatedAt"],
        )

    @property
    def rule_id(self) -> str:
        """Sessions count progress per rule id: a new revision starts the counts afresh."""
        return f"{self.id}-{self.revision}"

    def rule(self) -> Rule:
        return Rule(self.rule_id, parse_conditions(list(self.conditions)))


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
        "description": fields.description(description),
        "color": _color(color),
        "scope": scope,
        "displayToAgent": display_to_agent,
        "conditions": fields.conditions(conditions),
    }


def _color(value: Any) -> str:
    if not isinstance(value, str) or not COLOR.fullmatch(value):
        raise InvalidInput("color", "must be #RRGGBB")
    return value.upper()
