"""Checks shared by the definitions admins write: segments and outcomes."""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInput
from rules import RuleDefinitionError, parse_conditions

MAX_DESCRIPTION = 1000


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
        for given, condition in zip(raw, parsed)
    ]
