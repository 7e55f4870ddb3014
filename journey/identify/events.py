"""The identify and logout event types: how a visitor says who they are, or stops being it.

journey.assembly lists both among the types the service accepts."""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInput
from identity import InvalidIdentity, normalize_email, normalize_external_id, normalize_phone
from journey import incoming
from journey.event_types import EventType
from journey.identify.verification import parse_signatures
from journey.incoming import TrackedEvent, attributes
from storage.documents import EventDocument

IDENTITY_TRAITS = {"email": "EMAIL", "phone": "PHONE", "externalId": "EXTERNAL_ID"}


def identities_of(
    values: dict[str, Any], path: str, *, default_region: str
) -> dict[str, str]:
    """{IdentityType: normalised value} for the email, phone and externalId present."""
    found: dict[str, str] = {}
    for trait, kind in IDENTITY_TRAITS.items():
        raw = values.get(trait)
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise InvalidInput(f"{path}.{trait}", "must be a string")
        try:
            if kind == "EMAIL":
                found[kind] = normalize_email(raw)
            elif kind == "PHONE":
                found[kind] = normalize_phone(raw, default_region)
            else:
                found[kind] = normalize_external_id(raw)
        except InvalidIdentity as error:
            raise InvalidInput(f"{path}.{trait}", error.reason) from None
    return found


def identify_parser(default_region: str) -> incoming.Parser:
    def parse(raw: dict[str, Any], path: str) -> dict[str, Any]:
        traits = raw.get("traits") if raw.get("traits") is not None else {}
        if not isinstance(traits, dict):
            raise InvalidInput(f"{path}.traits", "must be an object")
        # The snippet sends identities inside traits; a server may send them beside it.
        merged = {**traits, **{key: raw[key] for key in IDENTITY_TRAITS if key in raw}}
        found = identities_of(merged, f"{path}.traits", default_region=default_region)
        if not found:
            raise InvalidInput(f"{path}.traits", "must carry an email, phone or externalId")
        other = {key: value for key, value in merged.items() if key not in IDENTITY_TRAITS}
        return {
            "name": "identify",
            "data": {
                "identities": found,
                "traits": attributes(other, f"{path}.traits"),
                "signatures": parse_signatures(raw.get("signatures"), merged, f"{path}.signatures"),
            },
        }

    return parse


def _logout(raw: dict[str, Any], path: str) -> dict[str, Any]:
    return {"name": "logout", "page": incoming.page(raw.get("page"), f"{path}.page", required=False)}


def _identify_item(event: TrackedEvent, document: EventDocument) -> None:
    # The map says how the visitor identified, never the values: those are customer data.
    given = {**event.data["identities"], **event.data.get("claims", {})}
    document["attributes"] = {"identifiedBy": sorted(given)}
    document["identify"] = {key: value for key, value in event.data.items() if key != "signatures"}


def identify_type(*, default_region: str) -> EventType:
    """default_region: the country a phone number without one is taken to be in."""
    return EventType(
        "identify", "IDENTIFIED", identify_parser(default_region), fill=_identify_item,
        legend={"identified": "Visitor identified"},
    )


LOGOUT = EventType(
    "logout", "CUSTOM", _logout, legend={"logout": "Visitor logged out"}, named_icons={"logout": "logout"},
)
