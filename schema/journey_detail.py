"""Detail some journey items carry: an engagement's media and state, a form's fields."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON


@strawberry.type(description="An engagement offered to the visitor, and what became of it.")
class EngagementDetail:
    engagement_id: str
    media_type: str = strawberry.field(description="webchat, webmessaging, content or custom.")
    state: str = strawberry.field(
        description="qualified, offered, frequencycapreached, accepted, rejected, ignored, "
        "timedout, errored, started, engaged, completed or abandoned."
    )
    action_name: str | None
    response_seconds: float | None = strawberry.field(
        description="For an answer to an offer: seconds from the offer to the answer."
    )

    @classmethod
    def from_doc(cls, detail: dict[str, Any] | None) -> EngagementDetail | None:
        if not detail:
            return None
        return cls(
            engagement_id=detail["engagementId"],
            media_type=detail["mediaType"],
            state=detail["state"],
            action_name=detail.get("actionName"),
            response_seconds=detail.get("responseSeconds"),
        )


@strawberry.type(description="A form submitted or abandoned, with the fields its deployment allows.")
class FormDetail:
    name: str
    fields: JSON

    @classmethod
    def from_doc(cls, detail: dict[str, Any] | None) -> FormDetail | None:
        return cls(name=detail["name"], fields=detail.get("fields") or {}) if detail else None


@strawberry.type(description="One entry of the icon legend.")
class JourneyIcon:
    name: str
    description: str
