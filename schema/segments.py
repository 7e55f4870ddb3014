"""Segment types and inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from journey.segments import definitions
from journey.segments.catalog import SegmentView
from journey.segments.stage import first_per_segment
from rules import Operator


@strawberry.enum(description="How long an assignment lasts.")
class SegmentScope(Enum):
    SESSION = strawberry.enum_value("SESSION", description="Until the session ends.")
    CUSTOMER = strawberry.enum_value(
        "CUSTOMER", description="For the customer's later sessions too: each starts with it."
    )


_OPERATOR_MEANINGS = {
    Operator.EQUAL: "The field equals one of the values.",
    Operator.NOT_EQUAL: "The field equals none of the values, or is missing.",
    Operator.CONTAINS_ANY: "The field contains at least one of the values.",
    Operator.CONTAINS_ALL: "The field contains every one of the values.",
    Operator.NOT_CONTAINS_ANY: "The field contains none of the values, or is missing.",
    Operator.STARTS_WITH: "The field starts with one of the values.",
    Operator.ENDS_WITH: "The field ends with one of the values.",
    Operator.GREATER_THAN: "The field is a number greater than the one value.",
    Operator.GREATER_THAN_OR_EQUAL: "The field is a number at least the one value.",
    Operator.LESS_THAN: "The field is a number less than the one value.",
    Operator.LESS_THAN_OR_EQUAL: "The field is a number at most the one value.",
}

if TYPE_CHECKING:
    # Built from Operator below, member for member and with the same values.
    ConditionOperator = Operator
else:
    ConditionOperator = strawberry.enum(
        Enum(
            "ConditionOperator",
            {
                operator.name: strawberry.enum_value(operator.value, description=_OPERATOR_MEANINGS[operator])
                for operator in Operator
            },
        ),
        description="Compares a field's text (case-insensitively) or number with a condition's values; "
        "NOT_EQUAL and NOT_CONTAINS_ANY also hold when the field is missing.",
    )


@strawberry.input(description="One condition of a segment or outcome: a field compared with values.")
class ConditionInput:
    field: str = strawberry.field(
        description="A visit context field (browser.family, device.category, geolocation.country, "
        "referrer.medium, campaign.name, authenticated…) or an event field (eventName, page.url, "
        "page.title, searchQuery, attributes.<name>)."
    )
    operator: ConditionOperator = strawberry.field(description="How the field is compared with the values.")
    values: list[str] = strawberry.field(description=
        "What to compare with: any of them may match (all of them for CONTAINS_ALL); one number for "
        "GREATER_THAN and the other comparisons."
    )
    count: int | None = strawberry.field(
        default=None,
        description="Event fields only: how many matching events it takes (default 1).",
    )

    def raw(self) -> dict[str, Any]:
        return {"field": self.field, "operator": self.operator.value, "values": self.values, "count": self.count}


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


@strawberry.type(description="One condition of a segment or outcome: a field compared with values.")
class Condition:
    field: str = strawberry.field(
        description="The visit context or event field compared, like device.category or eventName.",
    )
    operator: ConditionOperator = strawberry.field(description="How the field is compared with the values.")
    values: list[str] = strawberry.field(description="What it is compared with.")
    count: int | None = strawberry.field(description="Null for a visit context field.")

    @classmethod
    def all_of(cls, stored: Iterable[Mapping[str, Any]]) -> list[Condition]:
        return [
            cls(
                field=condition["field"],
                operator=ConditionOperator(condition["operator"]),
                values=condition["values"],
                count=condition.get("count"),
            )
            for condition in stored
        ]


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
            id=strawberry.ID(segment.id),
            name=segment.name,
            color=segment.color,
            description=segment.description,
            scope=SegmentScope(segment.scope),
            display_to_agent=segment.display_to_agent,
            active=segment.active,
            conditions=Condition.all_of(segment.conditions),
            created_at=segment.created_at,
            updated_at=segment.updated_at,
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
