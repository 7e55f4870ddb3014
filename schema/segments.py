"""Segment types and inputs."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from journey.segments import definitions
from journey.segments.catalog import SegmentView
from journey.segments.stage import first_per_segment
from schema.definitions import Condition, ConditionInput, shown_fields


@strawberry.enum(description="How long an assignment lasts.")
class SegmentScope(Enum):
    SESSION = strawberry.enum_value("SESSION", description="Until the session ends.")
    CUSTOMER = strawberry.enum_value(
        "CUSTOMER", description="For the customer's later sessions too: each starts with it."
    )


@strawberry.input(description="A segment's definition; every condition must hold.")
class SegmentInput:
    name: str = strawberry.field(description="The name agents see on the segment's chip.")
    description: str | None = strawberry.field(
        default=None, description="Left out on update: kept as it was."
    )
    color: str = strawberry.field(description="#RRGGBB: the colour of its icon on journey maps.")
    scope: SegmentScope = strawberry.field(
        description="Whether the assignment lasts for the session or for the customer.",
    )
    display_to_agent: bool | None = strawberry.field(
        default=None,
        description="Shown to agents (default true); left out on update: kept as it was.",
    )
    conditions: list[ConditionInput] = strawberry.field(
        description="All must hold for a session to join (1 to 20).",
    )

    def definition(self, previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """The fields to store, or InvalidInput naming the first bad one."""
        previous = previous or {}
        return definitions.definition(
            name=self.name,
            description=self.description if self.description is not None else previous.get("description"),
            color=self.color,
            scope=self.scope.value,
            display_to_agent=(
                self.display_to_agent if self.display_to_agent is not None
                else previous.get("displayToAgent", True)
            ),
            conditions=[condition.raw() for condition in self.conditions],
        )


@strawberry.type(description="A group of visitors with something in common, matched as events arrive.")
class Segment:
    id: strawberry.ID = strawberry.field(description="The segment's id.")
    name: str = strawberry.field(description="The name agents see on its chip.")
    color: str = strawberry.field(
        description="#RRGGBB: the colour of its chip and of its icon on journey maps.",
    )
    description: str = strawberry.field(
        description="What the segment means, for whoever defines segments; may be empty.",
    )
    scope: SegmentScope = strawberry.field(
        description="Whether an assignment lasts for the session or for the customer.",
    )
    display_to_agent: bool = strawberry.field(
        description="Whether agents see it; hidden segments show only to segment editors.",
    )
    active: bool = strawberry.field(description="Inactive segments make no new assignments.")
    conditions: list[Condition] = strawberry.field(description="All must hold for a session to join.")
    created_at: datetime = strawberry.field(description="When it was defined.")
    updated_at: datetime = strawberry.field(description="When its definition last changed.")

    @classmethod
    def of(cls, segment: definitions.Segment) -> Segment:
        return cls(
            **shown_fields(segment),
            color=segment.color,
            scope=SegmentScope(segment.scope),
            display_to_agent=segment.display_to_agent,
        )


@strawberry.type(description="A segment a session or customer joined.")
class SegmentAssignment:
    segment: Segment = strawberry.field(description="The segment, as defined now.")
    assigned_at: datetime = strawberry.field(description="When the event that completed the match occurred.")


def assignments(stored: list[dict[str, Any]], view: SegmentView) -> list[SegmentAssignment]:
    """Stored assignments in the order made, without deleted segments or ones hidden
    from the caller."""
    shown = []
    for assignment in first_per_segment(stored):
        segment = view.get(assignment["segmentId"])
        if segment is not None:
            shown.append(SegmentAssignment(segment=Segment.of(segment), assigned_at=assignment["assignedAt"]))
    return shown


@strawberry.type(description="The segment a SEGMENT_MATCHED item records, as it was when matched.")
class MatchedSegment:
    id: strawberry.ID = strawberry.field(description="The segment's id.")
    name: str = strawberry.field(description="Its name when matched.")
    color: str = strawberry.field(description="#RRGGBB: the colour of the item's icon.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> MatchedSegment | None:
        if not doc:
            return None
        return cls(id=strawberry.ID(doc["id"]), name=doc["name"], color=doc["color"])
