"""Engagements: what an agent or the system offered a visitor on a page, and the answer.

ENGAGEMENT is the `engagement` event type, as journey.assembly lists it."""

from __future__ import annotations

import re
from typing import Any

from core.errors import InvalidInput
from journey import incoming
from journey.event_types import EventType
from journey.incoming import TrackedEvent, text
from storage.documents import EventDocument

MEDIA_TYPES = {
    "webchat": "Web chat",
    "webmessaging": "Web messaging offer",
    "content": "Content offer",
    "custom": "Custom action",
}
STATES = {
    "qualified": "qualified",
    "offered": "offered",
    "frequencycapreached": "not offered: frequency cap reached",
    "accepted": "accepted",
    "rejected": "rejected",
    "ignored": "ignored",
    "timedout": "timed out",
    "errored": "errored",
    "started": "started",
    "engaged": "engaged",
    "completed": "completed",
    "abandoned": "abandoned",
}
NEXT: dict[str | None, frozenset[str]] = {
    None: frozenset({"qualified", "offered", "frequencycapreached", "errored"}),
    "qualified": frozenset({"offered", "frequencycapreached", "errored"}),
    "offered": frozenset({"accepted", "rejected", "ignored", "timedout", "errored"}),
    "accepted": frozenset({"started", "abandoned", "errored"}),
    "started": frozenset({"engaged", "abandoned", "errored"}),
    "engaged": frozenset({"completed", "abandoned", "errored"}),
}
"""Legal moves; any state missing here (rejected, completed…) ends the engagement."""
ANSWERS = frozenset({"accepted", "rejected", "ignored", "timedout"})
ENGAGEMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def transition_refusal(current: str | None, new: str) -> str | None:
    """Why moving from current to new is not allowed, or None when it is."""
    if new in NEXT.get(current, frozenset()):
        return None
    if current is None:
        return f"'{new}' before the engagement was offered"
    if current not in NEXT:
        return f"the engagement already ended as '{current}'"
    if new in ANSWERS and current in ANSWERS | {"started", "engaged"}:
        return f"the offer was already answered ('{current}')"
    return f"'{new}' cannot follow '{current}'"


def choice(value: Any, path: str, options: dict[str, str]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in options:
        raise InvalidInput(path, f"must be one of {', '.join(options)}")
    return value.strip().lower()


def _engagement(raw: dict[str, Any], path: str) -> dict[str, Any]:
    engagement_id = raw.get("engagementId")
    if not isinstance(engagement_id, str) or not ENGAGEMENT_ID.match(engagement_id):
        raise InvalidInput(f"{path}.engagementId", "must be 1 to 64 of letters, digits, - and _")
    media = choice(raw.get("mediaType"), f"{path}.mediaType", MEDIA_TYPES)
    return {
        "name": "engagement",
        "page": incoming.page(raw.get("page"), f"{path}.page", required=False),
        "data": {
            "engagementId": engagement_id,
            "mediaType": media,
            "state": choice(raw.get("state"), f"{path}.state", STATES),
            "actionName": text(raw.get("actionName"), f"{path}.actionName", limit=64, required=False),
        },
    }


def _engagement_item(event: TrackedEvent, document: EventDocument) -> None:
    document["engagement"] = dict(event.data)
    document["attributes"] = {
        "engagementId": event.data["engagementId"],
        "mediaType": event.data["mediaType"],
        "state": event.data["state"],
    }


def icon_name(media: str, state: str) -> str:
    return f"{media}-{state}"


ENGAGEMENT = EventType(
    "engagement", "WEB_ACTION", _engagement, fill=_engagement_item,
    legend={
        icon_name(media, state): f"{media_label} {state_label}"
        for media, media_label in MEDIA_TYPES.items()
        for state, state_label in STATES.items()
    },
    icon_rule=lambda doc: icon_name(doc["engagement"]["mediaType"], doc["engagement"]["state"]),
)
