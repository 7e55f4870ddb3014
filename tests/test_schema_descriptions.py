"""The schema documents itself: GraphiQL's Docs pane is a UI developer's reference."""

from __future__ import annotations

import re
from enum import Enum

import strawberry
from graphql import get_introspection_query

from access import permissions as perm
from resolvers.build import build_schema

# Shorter than this is a placeholder ("ID", "The id"), not an explanation.
MIN_LENGTH = 12
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}
INTERNAL_LABEL = re.compile(r"\(S\d+\)")


def _introspect(schema: strawberry.Schema) -> list[dict]:
    result = schema.execute_sync(get_introspection_query(descriptions=True))
    assert result.errors is None, result.errors
    return [t for t in result.data["__schema"]["types"] if not t["name"].startswith("__")]


def _undocumented(types: list[dict]) -> list[str]:
    """Every type, field, argument, input field and enum value without a real description."""
    missing = []

    def check(where: str, description: str | None) -> None:
        if not description or len(description.strip()) < MIN_LENGTH or INTERNAL_LABEL.search(description):
            missing.append(f"{where}: {description!r}")

    for graphql_type in types:
        name = graphql_type["name"]
        if name in BUILT_IN:
            continue
        check(name, graphql_type["description"])
        for field in graphql_type["fields"] or []:
            check(f"{name}.{field['name']}", field["description"])
            for argument in field["args"]:
                check(f"{name}.{field['name']}({argument['name']})", argument["description"])
        for field in graphql_type["inputFields"] or []:
            check(f"{name}.{field['name']}", field["description"])
        for value in graphql_type["enumValues"] or []:
            check(f"{name}.{value['name']}", value["description"])
    return missing


def test_every_type_field_argument_and_enum_value_is_described():
    missing = _undocumented(_introspect(build_schema()))
    assert not missing, f"{len(missing)} undocumented:\n" + "\n".join(missing)


@strawberry.enum(description="A documented enumeration.")
class Colour(Enum):
    RED = "RED"


@strawberry.input(description="A documented input type.")
class Filter:
    colour: Colour = strawberry.field(description="A documented input field.")
    limit: int = 1


@strawberry.type(description="A documented query type.")
class Query:
    @strawberry.field(description="A documented field (S9).")
    def things(self, filter: Filter, after: str | None = None) -> list[str]:
        return []


def test_a_missing_description_anywhere_is_caught():
    missing = {line.split(":")[0] for line in _undocumented(_introspect(strawberry.Schema(query=Query)))}
    assert missing == {"Query.things", "Query.things(filter)", "Query.things(after)", "Filter.limit", "Colour.RED"}


def test_a_field_guarded_by_a_permission_says_which():
    fields = build_schema()._schema.type_map["Session"].fields
    assert fields["journey"].description == (
        f"The journey map, in time order. Needs the '{perm.EVENT_VIEW}' permission."
    )
    assert fields["status"].description.endswith(
        f"Needs the '{perm.VISIT_VIEW}' or '{perm.SESSION_VIEW}' permission."
    )
    assert "Needs the" not in fields["id"].description
