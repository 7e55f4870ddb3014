"""Root mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from journey.ingest import RawEvent
from resolvers.admin import AdminMutation
from resolvers.conversations import ConversationMutation
from resolvers.customers import CustomerMutation
from resolvers.engagements import EngagementMutation
from resolvers.outcomes import OutcomeMutation
from resolvers.segments import SegmentMutation
from schema.enums import ReceiptStatus
from schema.inputs import TrackEventInput
from schema.permissions import requires
from schema.types import EventReceipt, TrackResult


@strawberry.type(
    description="What can be changed: events, customers, segments, outcomes, conversations, keys and deployments.",
)
class Mutation(
    AdminMutation, ConversationMutation, CustomerMutation, EngagementMutation, SegmentMutation,
    OutcomeMutation,
):
    @strawberry.mutation(
        permission_classes=[requires(perm.EVENT_ADD)],
        description="Server-side ingestion; the same pipeline as POST /collect. While the store "
        "cannot be reached or too many batches are in progress, an UNAVAILABLE error whose "
        "retryAfter says in how many seconds to send the same events again.",
    )
    async def track_events(
        self,
        info: Info,
        deployment_id: Annotated[
            strawberry.ID, strawberry.argument(description="The website deployment the events come from.")
        ],
        events: Annotated[
            list[TrackEventInput],
            strawberry.argument(description="The events, in the order they happened; each gets a receipt."),
        ],
    ) -> TrackResult:
        services = info.context.services
        with services.admission.batch():
            result = await services.ingestor.ingest(
                deployment_id=str(deployment_id),
                batch=[
                    RawEvent(payload=event.as_raw(), cookie_id=event.cookie_id, source=event.source(), trusted=True)
                    for event in events
                ],
            )
        counts = result.counts()
        return TrackResult(
            accepted=counts["accepted"],
            duplicates=counts["duplicate"],
            rejected=counts["rejected"],
            events=[
                EventReceipt(
                    id=receipt.id,
                    status=ReceiptStatus(receipt.status),
                    reason=receipt.reason,
                    session_id=receipt.session_id,
                )
                for receipt in result.events
            ],
            customer_ids=result.customer_ids,
            session_ids=result.session_ids,
        )
