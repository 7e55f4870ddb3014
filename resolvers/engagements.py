"""recordEngagement: agent and bot systems report engagements they offered or ran."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from journey.ingest import RawEvent
from schema.inputs import EngagementInput
from schema.permissions import requires
from schema.types import Session
from storage import sessions


@strawberry.type
class EngagementMutation:
    @strawberry.mutation(
        permission_classes=[requires(perm.EVENT_ADD)],
        description="Record one step of an engagement on the session's journey map; an illegal "
        "transition (accepted before offered, a second answer) is refused. While the store cannot be "
        "reached or too many batches are in progress, an UNAVAILABLE error whose retryAfter says in "
        "how many seconds to send it again.",
    )
    async def record_engagement(
        self, info: Info, input: Annotated[EngagementInput, strawberry.argument(description="The step to record.")]
    ) -> Session:
        services = info.context.services
        with services.admission.batch():
            session = await sessions.find_web(services.db, session_id=str(input.session_id))
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
