"""recordEngagement: agent and bot systems report engagements they offered or ran."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from journey.ingest import RawEvent
from schema.permissions import requires
from schema.types import Session


@strawberry.input(description="One step of an engagement offered to a visitor.")
class EngagementInput:
    session_id: strawberry.ID = strawberry.field(description="The visitor's web session.")
    engagement_id: str = strawberry.field(description="The engagement's id, the same for all its steps.")
    media_type: str = strawberry.field(description="webchat, webmessaging, content or custom.")
    state: str = strawberry.field(description=
        "qualified, offered, frequencycapreached, accepted, rejected, ignored, timedout, errored, "
        "started, engaged, completed or abandoned."
    )
    action_name: str | None = strawberry.field(
        default=None,
        description="The name of the action that offered it.",
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="Defaults to the time of receipt.",
    )


@strawberry.type
class EngagementMutation:
    @strawberry.mutation(
        permission_classes=[requires(perm.EVENT_ADD)],
        description="Record one step of an engagement on the session's journey map; an illegal "
        "transition (accepted before offered, a second answer) is refused.",
    )
    async def record_engagement(
        self, info: Info, input: Annotated[EngagementInput, strawberry.argument(description="The step to record.")]
    ) -> Session:
        services = info.context.services
        session = await services.db.sessions.find_one({"_id": str(input.session_id), "type": "WEB"})
        if session is None:
            raise InvalidInput("sessionId", "no such web session")
        payload = {
            "id": f"engagement:{input.engagement_id}:{input.state}",
            "type": "engagement",
            "engagementId": input.engagement_id,
            "mediaType": input.media_type,
            "state": input.state,
            "actionName": input.action_name,
        }
        if input.occurred_at is not None:
            payload["occurredAt"] = input.occurred_at.isoformat()
        result = await services.ingestor.ingest(
            deployment_id=session["deploymentId"],
            batch=[RawEvent(payload=payload, cookie_id=session["cookieId"])],
        )
        receipt = result.events[0]
        if receipt.status == "rejected":
            raise InvalidInput(*receipt.reason.removeprefix("events[0].").split(": ", 1))
        doc = await info.context.renew_loaders().session.load(receipt.session_id or session["_id"])
        return Session(doc=doc)
