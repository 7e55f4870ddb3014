"""The GraphQL side of what segments and outcomes share: their conditions, and the
fields every definition shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from journey.definitions import Definition
from rules import Operator

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


def shown_fields(definition: Definition) -> dict[str, Any]:
    """The fields a segment or an outcome shows alike, as keyword arguments."""
    return {
        "id": strawberry.ID(definition.id),
        "name": definition.name,
        "description": definition.description,
        "active": definition.active,
        "conditions": Condition.all_of(definition.conditions),
        "created_at": definition.created_at,
        "updated_at": definition.updated_at,
    }
