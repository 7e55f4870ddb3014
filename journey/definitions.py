"""What the definitions admins write (segments, outcomes) have in common: the fields every
one of them holds, and the checks their shared fields pass before they are stored."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import InvalidInput
from rules import Rule, RuleDefinitionError, RuleSet, parse_conditions

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 1000


@dataclass(frozen=True, slots=True)
class Definition:
    id: str
    name: str
    description: str
    active: bool
    conditions: tuple[dict[str, Any], ...]
    revision: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def common_fields(doc: dict[str, Any]) -> dict[str, Any]:
        """The shared fields of a stored definition, as keyword arguments."""
        return {
            "id": doc["_id"],
            "name": doc["name"],
            "description": doc.get("description") or "",
            "active": doc.get("active", True),
            "conditions": tuple(doc["conditions"]),
            "revision": doc.get("revision", 1),
            "created_at": doc["createdAt"],
            "updated_at": doc["updatedAt"],
        }

    @property
    def rule_id(self) -> str:
        """Sessions count progress per rule id: a new revision starts the counts afresh."""
        return f"{self.id}-{self.revision}"

    def rule(self) -> Rule:
        return Rule(self.rule_id, parse_conditions(list(self.conditions)))


class Compiled[D: Definition]:
    """The definitions at one version: all of them by id, and the active ones as rules."""

    def __init__(self, version: int, definitions: Iterable[D]) -> None:
        self.version = version
        self.by_id: dict[str, D] = {definition.id: definition for definition in definitions}
        self.rule_of: dict[str, Rule] = {}
        self.by_rule: dict[str, D] = {}
        for definition in self.by_id.values():
            if not definition.active:
                continue
            try:
                self.rule_of[definition.id] = definition.rule()
            except RuleDefinitionError:
                # Stored before a rule change made it invalid: skip it, keep ingesting.
                log.warning("%s %s has invalid conditions; it is not evaluated",
                            type(definition).__name__.lower(), definition.id)
                continue
            self.by_rule[definition.rule_id] = definition
        self.rules = RuleSet(self.rule_of.values())


def description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("description", "must be a string")
    if len(value) > MAX_DESCRIPTION:
        raise InvalidInput("description", f"is longer than {MAX_DESCRIPTION} characters")
    # Line breaks and tabs are fine in a description; other control characters are not.
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidInput("description", "must not contain control characters")
    return value.strip()


def conditions(raw: Any) -> list[dict[str, Any]]:
    """Checked by the rules engine; stored as written (values keep their case, for
    people to read) with each event condition's count made explicit."""
    try:
        parsed = parse_conditions(raw)
    except RuleDefinitionError as error:
        raise InvalidInput(error.path, error.message) from None
    return [
        {"field": given["field"], "operator": str(condition.operator),
         "values": list(dict.fromkeys(given["values"])), "count": condition.count}
        for given, condition in zip(raw, parsed, strict=True)
    ]
