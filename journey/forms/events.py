"""Form events: a form submitted or abandoned, with only the fields a deployment allows.

FORM_SUBMITTED and FORM_ABANDONED are the two event types, as journey.assembly lists them."""

from __future__ import annotations

import re
from typing import Any

from core.errors import InvalidInput
from journey import incoming
from journey.event_types import EventType
from journey.incoming import TrackedEvent, text
from storage.documents import EventDocument

MAX_FIELDS = 50
MAX_VALUE = 256
SENSITIVE_NAME = re.compile(
    r"pass|pwd|secret|token|card|cc-?num|ccnum|cvv|cvc|csc|expiry|iban|ssn|social|pin\b", re.IGNORECASE
)
DIGITS = re.compile(r"[\d -]{13,23}")


def looks_like_card_number(value: str) -> bool:
    """A Luhn-valid run of 13 to 19 digits: a payment card, whatever the field is called."""
    if not DIGITS.fullmatch(value.strip()):
        return False
    digits = [int(ch) for ch in value if ch.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def allowed_fields(fields: dict[str, Any], allow_list: list[str]) -> dict[str, Any]:
    """Keep only allow-listed fields, and never a password or card number even then."""
    allowed = {name.lower() for name in allow_list}
    return {
        name: value
        for name, value in fields.items()
        if name.lower() in allowed
        and not SENSITIVE_NAME.search(name)
        and not (isinstance(value, str) and looks_like_card_number(value))
    }


def _form(raw: dict[str, Any], path: str) -> dict[str, Any]:
    fields = raw.get("fields") if raw.get("fields") is not None else {}
    if not isinstance(fields, dict):
        raise InvalidInput(f"{path}.fields", "must be an object")
    if len(fields) > MAX_FIELDS:
        raise InvalidInput(f"{path}.fields", f"has more than {MAX_FIELDS} entries")
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not incoming.ATTRIBUTE_NAME.match(name) or len(name) > 64:
            raise InvalidInput(f"{path}.fields", f"'{str(name)[:64]}' is not a valid field name")
        if isinstance(value, str):
            clean[name] = value[:MAX_VALUE]
        elif value is None or isinstance(value, (bool, int, float)):
            clean[name] = value
        else:
            raise InvalidInput(f"{path}.fields.{name}", "must be a string, number, boolean or null")
    return {
        "name": text(raw.get("formName"), f"{path}.formName", limit=100),
        "page": incoming.page(raw.get("page"), f"{path}.page", required=False),
        "data": {"fields": clean},
    }


def _form_item(event: TrackedEvent, document: EventDocument) -> None:
    # Fields are kept apart from attributes until the deployment's allow-list has filtered them.
    document["form"] = {"name": event.name, "fields": dict(event.data["fields"])}
    document["attributes"] = {"form": event.name}


FORM_SUBMITTED = EventType(
    "form_submitted", "FORM_SUBMITTED", _form, fill=_form_item,
    legend={"form-submitted": "Form submitted"}, icon_rule=lambda doc: "form-submitted",
)
FORM_ABANDONED = EventType(
    "form_abandoned", "FORM_ABANDONED", _form, fill=_form_item,
    legend={"form-abandoned": "Form abandoned"}, icon_rule=lambda doc: "form-abandoned",
)
