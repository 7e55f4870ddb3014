"""What an outcome is, and the checks an admin's definition must pass before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from journey import definitions as shared
from journey.incoming import text
from rules import EVENT_FIELDS
from rules.fields import is_context_field

MAX_NAME = 100
MAX_OUTCOMES = 100
"""Every active outcome is scored for every session a batch touches: the bound keeps
ingest fast."""


@dataclass(frozen=True, slots=True)
class Outcome(shared.Definition):
    """Sessions count progress per revision (rule_id), and models are trained per
    revision: a new revision starts both afresh."""

    positive: bool
    """A goal the site wants (a purchase) rather than one it wants to avoid (a cancellation)."""

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Outcome:
        return cls(**shared.Definition.common_fields(doc), positive=doc.get("positive", True))

    def reference(self) -> dict[str, Any]:
        """The outcome as a map item records it when achieved."""
        return {"id": self.id, "name": self.name, "positive": self.positive}


def definition(*, name: Any, description: Any, positive: Any, conditions: Any) -> dict[str, Any]:
    """An outcome's fields as stored, or InvalidInput naming the first bad part."""
    if not isinstance(positive, bool):
        raise InvalidInput("positive", "must be true or false")
    checked = shared.conditions(conditions)
    if all(is_context_field(condition["field"]) for condition in checked):
        # Context alone holds from a session's first event: nothing would be predicted.
        journey_fields = ", ".join([*EVENT_FIELDS, "attributes.<name>"])
        raise InvalidInput("conditions", f"an outcome needs at least one journey condition ({journey_fields})")
    return {
        "name": text(name, "name", limit=MAX_NAME),
        "description": shared.description(description),
        "positive": positive,
        "conditions": checked,
    }
