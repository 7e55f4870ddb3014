"""The permission matrix, generated from the schema: every field of every type declares who
may read it, and each declared permission holds with real requests on every way to the field
(queries, mutation results, subscription payloads)."""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type, is_object_type

from access import permissions as perm
from resolvers.build import build_schema
from resolvers.field_access import INHERITED, OPEN, ROOTS, declared
from tests.access.conftest import token

SCHEMA = build_schema()
ROOT_NAMES = {"Query", "Mutation", "Subscription"}

# How a caller reaches an object of each type whose fields carry their own permission:
# (the permission the way in needs, the document with {} where the selection goes, the path).
ENGAGE = ('mutation($s: ID!) { recordEngagement(input: {sessionId: $s, engagementId: "m", '
          'mediaType: "webchat", state: "qualified"}) { {} } }')
IDENTIFY = 'mutation($c: ID!) { identifyCustomer(input: {customerId: $c, externalId: "matrix-1"}) { {} } }'
WAYS_IN = {
    "Session": [
        (perm.SESSION_VIEW, "query($s: ID!) { session(id: $s) { {} } }", ["session"]),
        (perm.VISIT_VIEW, "{ liveVisitors { nodes { {} } } }", ["liveVisitors", "nodes", 0]),
        (perm.EVENT_ADD, ENGAGE, ["recordEngagement"]),
    ],
    "Customer": [
        (perm.CUSTOMER_VIEW, "query($c: ID!) { customer(id: $c) { {} } }", ["customer"]),
        (perm.CUSTOMER_EDIT, IDENTIFY, ["identifyCustomer"]),
    ],
    "CustomerSummary": [
        (perm.CUSTOMER_VIEW, "query($c: ID!) { customer(id: $c) { summary { {} } } }", ["customer", "summary"]),
    ],
}


def object_types() -> list[GraphQLObjectType]:
    return [
        graphql_type for name, graphql_type in SCHEMA._schema.type_map.items()
        if is_object_type(graphql_type) and not name.startswith("__")
    ]


def fields_of(graphql_type: GraphQLObjectType):
    """(owner class, strawberry field, GraphQL field name, GraphQL field) of each field."""
    definition = SCHEMA.get_type_by_name(graphql_type.name)
    by_python_name = {field.python_name: field for field in definition.fields}
    for name, graphql_field in graphql_type.fields.items():
        python_name = graphql_field.extensions["strawberry-definition"].python_name
        yield definition.origin, by_python_name[python_name], name, graphql_field


def guarded_fields():
    """(type name, field name, the permissions of which one suffices, the field's GraphQL field)."""
    for graphql_type in object_types():
        if graphql_type.name in ROOT_NAMES:
            continue
        for owner, field, name, graphql_field in fields_of(graphql_type):
            access = declared(owner, field)
            if isinstance(access, type):
                yield graphql_type.name, name, access.permissions, graphql_field


def test_every_field_of_every_type_declares_who_may_read_it():
    assert {root.__name__ for root in ROOTS} == ROOT_NAMES
    missing, open_objects, inherited_roots = [], [], []
    for graphql_type in object_types():
        for owner, field, name, graphql_field in fields_of(graphql_type):
            access = declared(owner, field)
            where = f"{graphql_type.name}.{name}"
            if access is None:
                missing.append(where)
            elif access == INHERITED and graphql_type.name in ROOT_NAMES:
                inherited_roots.append(where)
            elif access == OPEN and graphql_type.name not in ROOT_NAMES and is_object_type(
                get_named_type(graphql_field.type)
            ):
                open_objects.append(where)  # an open field would hand out a whole inherited object
    assert missing == [], "declare these fields in resolvers/field_access.py or next to their definition"
    assert inherited_roots == []
    assert open_objects == []


def test_every_guarded_type_has_a_way_in_without_each_permission():
    for type_name, field_name, permissions, _ in guarded_fields():
        assert type_name in WAYS_IN, f"add the ways to reach {type_name} to WAYS_IN"
        assert any(way[0] not in permissions for way in WAYS_IN[type_name]), (type_name, field_name)


def selection(name: str, graphql_field) -> str:
    return f"{name} {{ __typename }}" if is_object_type(get_named_type(graphql_field.type)) else name


async def test_each_declared_permission_holds_on_every_way_to_its_field(secured):
    body = await secured.collect([
        {"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}},
        {"id": "2", "type": "search", "query": "boots"},
    ], cookie_id="matrix")
    variables = {"c": body["customerIds"][0], "s": body["sessionIds"][0]}
    failures, checked = [], 0
    for type_name, field_name, permissions, graphql_field in guarded_fields():
        selected = selection(field_name, graphql_field)
        for way in WAYS_IN[type_name]:
            if way[0] in permissions:
                continue
            answer = await secured.graphql(
                way[1].replace("{}", selected), variables, token=token(sorted(perm.ALL - set(permissions)), ["*"]))
            errors = [e for e in answer.get("errors", []) if e["path"] == [*way[2], field_name]]
            if not errors or errors[0]["extensions"]["code"] != "FORBIDDEN" or any(
                p not in errors[0]["message"] for p in permissions
            ):
                failures.append(("read without permission", type_name, field_name, way[2], answer))
            checked += 1
        for permission in permissions:
            way = next(way for way in WAYS_IN[type_name] if way[0] == permission or way[0] not in permissions)
            answer = await secured.graphql(
                way[1].replace("{}", selected), variables, token=token([way[0], permission], ["*"])
            )
            if "errors" in answer:
                failures.append(("refused with permission", type_name, field_name, permission, answer))
            checked += 1
    assert failures == []
    assert checked > 50  # the matrix is not empty
