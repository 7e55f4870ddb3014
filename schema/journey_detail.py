"""Detail some journey items carry: an engagement's media and state, a form's fields."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON


@strawberry.type(description="An engagement offered to the visitor, and what became of it.")
class EngagementDetail:
    engagement_id: str = strawberry.field(description="The engagement's id, shared by all its steps.")
    media_type: str = strawberry.field(description="webchat, webmessaging, content or custom.")
    state: str = strawberry.field(
        description="qualified, offered, frequencycapreached, accepted, rejected, ignored, "
        "timedout, errored, started, engaged, completed or abandoned."
    )
    action_name: str | None = strawberry.field(description="The name of the action that offered it, if any.")
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
    name: str = strawberry.field(description="The form's name or id on the page.")
    fields: JSON = strawberry.field(
        description="Field name to value, for the fields the deployment keeps (an object; empty when none)."
    )

    @classmethod
    def from_doc(cls, detail: dict[str, Any] | None) -> FormDetail | None:
        return cls(name=detail["name"], fields=JSON(detail.get("fields") or {})) if detail else None


@strawberry.type(description="One entry of the icon legend.")
class JourneyIcon:
    name: str = strawberry.field(description="The icon's name, as JourneyEvent.icon carries it.")
    description: str = strawberry.field(description="What an item with this icon means.")
