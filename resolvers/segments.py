"""Segments: listing them, and the admin mutations that define them."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from journey import segment_definitions as definitions
from schema.permissions import requires
from schema.segments import Segment, SegmentInput
from storage import segments as stored_segments

EDIT = [requires(perm.SEGMENT_EDIT)]
SegmentId = Annotated[strawberry.ID, strawberry.argument(description="The segment's id.")]
SegmentDefinition = Annotated[SegmentInput, strawberry.argument(description="The segment's definition.")]


def _segment(doc: dict) -> Segment:
    return Segment.of(definitions.Segment.from_doc(doc))


async def _existing(info: Info, segment_id: strawberry.ID) -> dict:
    doc = await stored_segments.find(info.context.services.db, segment_id=str(segment_id))
    if doc is None:
        raise InvalidInput("id", "no such segment")
    return doc


async def _changed(info: Info, segment_id: strawberry.ID, changes: dict, *, new_revision: bool) -> Segment:
    services = info.context.services
    doc = await stored_segments.update(
        services.db, segment_id=str(segment_id), changes=changes,
        new_revision=new_revision, now=services.clock.now(),
    )
    if doc is None:
        raise InvalidInput("id", "no such segment")
    services.segments.invalidate()
    return _segment(doc)


@strawberry.type
class SegmentQuery:
    @strawberry.field(
        description="Every segment, oldest first; those hidden from agents only for callers "
        "with 'journey:segment:edit'."
    )
    async def segments(self, info: Info) -> list[Segment]:
        sees_hidden = info.context.require_principal().may(perm.SEGMENT_EDIT)
        return [
            _segment(doc)
            for doc in await stored_segments.listing(info.context.services.db)
            if sees_hidden or doc.get("displayToAgent", True)
        ]


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(
        permission_classes=EDIT,
        description="Applies to events from now on; it does not look back at earlier ones.",
    )
    async def create_segment(self, info: Info, input: SegmentDefinition) -> Segment:
        services = info.context.services
        definition = input.definition()
        if await stored_segments.count(services.db) >= definitions.MAX_SEGMENTS:
            raise InvalidInput("segments", f"at most {definitions.MAX_SEGMENTS}; delete unused ones first")
        doc = await stored_segments.create(services.db, definition=definition, now=services.clock.now())
        services.segments.invalidate()
        return _segment(doc)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="Replaces the definition. Changed conditions start every session's progress "
        "afresh; assignments already made stay.",
    )
    async def update_segment(self, info: Info, id: SegmentId, input: SegmentDefinition) -> Segment:
        current = await _existing(info, id)
        definition = input.definition(previous=current)
        return await _changed(
            info, id, definition, new_revision=definition["conditions"] != current["conditions"]
        )

    @strawberry.mutation(
        permission_classes=EDIT,
        description="An inactive segment makes no new assignments; those made stay.",
    )
    async def set_segment_active(
        self,
        info: Info,
        id: SegmentId,
        active: Annotated[bool, strawberry.argument(description="True to switch it on, false to switch it off.")],
    ) -> Segment:
        return await _changed(info, id, {"active": active}, new_revision=False)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="True if the segment existed. Its assignments disappear with it; its "
        "matches stay on journey maps for callers with 'journey:segment:edit'.",
    )
    async def delete_segment(self, info: Info, id: SegmentId) -> bool:
        services = info.context.services
        deleted = await stored_segments.delete(services.db, segment_id=str(id))
        if deleted:
            services.segments.invalidate()
        return deleted
