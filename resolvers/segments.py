"""Segments: listing them, and the admin mutations that define them."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from journey.segments import definitions
from resolvers.definitions import DefinitionAdmin, SwitchedOn, definitions_as_stored
from schema.permissions import requires
from schema.segments import Segment, SegmentInput
from storage.segments import SEGMENTS

EDIT = [requires(perm.SEGMENT_EDIT)]
SegmentId = Annotated[strawberry.ID, strawberry.argument(description="The segment's id.")]
SegmentDefinition = Annotated[SegmentInput, strawberry.argument(description="The segment's definition.")]


def _segment(doc: dict) -> Segment:
    return Segment.of(definitions.Segment.from_doc(doc))


ADMIN = DefinitionAdmin(
    noun="segment", stored=SEGMENTS, most=definitions.MAX_SEGMENTS,
    catalog=lambda services: services.segments, shown=_segment,
)


@strawberry.type
class SegmentQuery:
    @strawberry.field(
        description="Every segment, oldest first; those hidden from agents only for callers "
        "with 'journey:segment:edit'. " + definitions_as_stored("segments")
    )
    async def segments(self, info: Info) -> list[Segment]:
        sees_hidden = info.context.require_principal().may(perm.SEGMENT_EDIT)
        return [
            _segment(doc)
            for doc in await ADMIN.listing(info)
            if sees_hidden or doc.get("displayToAgent", True)
        ]


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(
        permission_classes=EDIT,
        description="Applies to events from now on; it does not look back at earlier ones.",
    )
    async def create_segment(self, info: Info, input: SegmentDefinition) -> Segment:
        return await ADMIN.create(info, input)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="Replaces the definition. Changed conditions start every session's progress "
        "afresh; assignments already made stay.",
    )
    async def update_segment(self, info: Info, id: SegmentId, input: SegmentDefinition) -> Segment:
        return await ADMIN.replace(info, id, input)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="An inactive segment makes no new assignments; those made stay.",
    )
    async def set_segment_active(self, info: Info, id: SegmentId, active: SwitchedOn) -> Segment:
        return await ADMIN.set_active(info, id, active)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="True if the segment existed. Its assignments disappear with it; its "
        "matches stay on journey maps for callers with 'journey:segment:edit'.",
    )
    async def delete_segment(self, info: Info, id: SegmentId) -> bool:
        return await ADMIN.delete(info, id)
