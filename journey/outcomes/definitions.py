"""What an outcome is, and the checks an admin's definition must pass before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import InvalidInput
from journey import definition_fields as fields
from journey.incoming import text
from rules import EVENT_FIELDS, Rule, parse_conditions
from rules.fields import is_context_field

MAX_NAME = 100
MAX_OUTCOMES = 100
"""Every active outcome is scored for every session a batch touches: the bound keeps
ingest fast."""


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    name: str
    description: str
    positive: bool
    """A goal the site wants (a purchase) rather than one it wants to avoid (a cancellation)."""
    active: bool
    conditions: tuple[dict[str, Any], ...]
    revision: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Outcome:
        return cls(
            id=doc["_id"],
            name=doc["name"],
            description=doc.get("description") or "",
            positive=doc.get("positive", True),
            active=doc.get("active", True),
            conditions=tuple(doc["conditions"]),
            revision=doc.get("revision", 1),
            created_at=doc["createdAt"],
            updated_at=doc["updatedAt"],
        )

    @property
    def rule_id(self) -> str:
        """Sessions count progress per rule id, and models are trained per revision: a
        new revision starts both afresh."""
        return f"{self.id}-{self.revision}"

    def rule(self) -> Rule:
        return Rule(self.rule_id, parse_conditions(list(self.conditions)))

    def reference(self) -> dict[str, Any]:
        """The outcome as a map item records it when achieved."""
        return {"id": self.id, "name": self.name, "positive": self.positive}


def definition(*, name: Any, description: Any, positive: Any, conditions: Any) -> dict[str, Any]:
    """An outcome's fields as stored, or InvalidInput naming the first bad part."""
    if not isinstance(positive, bool):
        raise InvalidInput("positive", "must be true or false")
    checked = fields.conditions(conditions)
    if all(is_context_field(condition["field"]) for condition in checked):
        # Context alone holds from a session's first event: nothing would be predicted.
        journey_fields = ", ".join([*EVENT_FIELDS, "attributes.<name>"])
        raise InvalidInput("conditions", f"an outcome needs at least one journey condition ({journey_fields})")
    return {
        "name": text(name, "name", limit=MAX_NAME),
        "description": fields.description(description),
        "positive": positive,
        "conditions": checked,
    }
