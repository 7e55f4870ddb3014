"""Defining outcomes: the admin mutations, the listing, and errors naming the bad part."""

from __future__ import annotations

import pytest

from access import permissions as perm
from tests.access.conftest import JWT_SECRET, all_but, token
from tests.support.outcomes import CREATE, OUTCOME_FIELDS, create_outcome, outcome_input
from tests.support.segments import condition
from tests.support.service import Service

UPDATE = f"""mutation($id: ID!, $input: OutcomeInput!) {{
    updateOutcome(id: $id, input: $input) {{ {OUTCOME_FIELDS} }} }}"""
LIST = f"{{ outcomes {{ {OUTCOME_FIELDS} model {{ source }} }} }}"


async def test_create_returns_the_stored_definition(service: Service):
    outcome = await create_outcome(
        service, "Cancelled", condition("page.url", "CONTAINS_ANY", "/cancel"),
        condition("attributes.reason", "EQUAL", "Price", count=2),
        description="Left for good", positive=False,
    )
    assert outcome.pop("id")
    assert outcome == {
        "name": "Cancelled", "description": "Left for good", "positive": False, "active": True,
        "conditions": [
            {"field": "page.url", "operator": "CONTAINS_ANY", "values": ["/cancel"], "count": 1},
            {"field": "attributes.reason", "operator": "EQUAL", "values": ["Price"], "count": 2},
        ],
    }


async def test_outcomes_are_listed_oldest_first_without_a_model_at_first(service: Service):
    for name in ("One", "Two"):
        await create_outcome(service, name)
    listed = (await service.data(LIST))["outcomes"]
    assert [(outcome["name"], outcome["model"]) for outcome in listed] == [("One", None), ("Two", None)]


async def test_update_replaces_the_definition_and_keeps_what_it_leaves_out(service: Service):
    outcome = await create_outcome(service, "Old", description="kept", positive=False)
    updated = (await service.data(UPDATE, {"id": outcome["id"], "input": outcome_input(
        "New", condition("eventName", "EQUAL", "signup"))}))["updateOutcome"]
    assert (updated["name"], updated["description"], updated["positive"]) == ("New", "kept", False)
    assert updated["conditions"] == [{"field": "eventName", "operator": "EQUAL", "values": ["signup"], "count": 1}]


async def test_set_active_switches_an_outcome_off(service: Service):
    outcome = await create_outcome(service)
    query = "mutation($id: ID!) { setOutcomeActive(id: $id, active: false) { active } }"
    assert (await service.data(query, {"id": outcome["id"]}))["setOutcomeActive"] == {"active": False}


async def test_delete_removes_the_outcome(service: Service):
    outcome = await create_outcome(service)
    query = "mutation($id: ID!) { deleteOutcome(id: $id) }"
    assert await service.data(query, {"id": outcome["id"]}) == {"deleteOutcome": True}
    assert await service.data(query, {"id": outcome["id"]}) == {"deleteOutcome": False}
    assert (await service.data(LIST))["outcomes"] == []


async def test_an_unknown_outcome_is_a_clear_error(service: Service):
    body = await service.graphql('mutation { setOutcomeActive(id: "nope", active: false) { id } }')
    assert body["errors"][0]["message"] == "id: no such outcome"


BAD = [
    ("empty name", {"name": " "}, "name: must not be empty"),
    ("no conditions", {"conditions": []}, "conditions: at least one condition is required"),
    ("context only", {"conditions": [condition("device.category", "EQUAL", "mobile")]},
     "conditions: an outcome needs at least one journey condition "
     "(eventName, page.url, page.title, searchQuery, attributes.<name>)"),
    ("unknown field", {"conditions": [condition("basket", "EQUAL", "full")]},
     "conditions[0].field: unknown field 'basket'"),
    ("comparison needs a number", {"conditions": [condition("attributes.total", "GREATER_THAN", "lots")]},
     "conditions[0].values[0]: GREATER_THAN needs a number, got 'lots'"),
    ("count below one", {"conditions": [condition("eventName", "EQUAL", "purchase", count=0)]},
     "conditions[0].count: must be at least 1"),
    ("long description", {"description": "d" * 1001}, "description: is longer than 1000 characters"),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD, ids=[b[0] for b in BAD])
async def test_a_bad_definition_is_refused_naming_the_bad_part(service: Service, case, change, message):
    body = await service.graphql(CREATE, {"input": {**outcome_input(), **change}})
    assert body["errors"][0]["message"] == message
    assert (await service.data(LIST))["outcomes"] == []


async def test_a_bad_update_leaves_the_outcome_as_it_was(service: Service):
    outcome = await create_outcome(service, "Kept")
    body = await service.graphql(UPDATE, {"id": outcome["id"], "input": outcome_input("Changed", conditions=[])})
    assert body["errors"][0]["message"] == "conditions: at least one condition is required"
    assert [o["name"] for o in (await service.data(LIST))["outcomes"]] == ["Kept"]


MUTATIONS = [
    ("createOutcome", 'mutation { createOutcome(input: {name: "x", conditions: '
                      '[{field: "eventName", operator: EQUAL, values: ["a"]}]}) { id } }'),
    ("setOutcomeActive", 'mutation { setOutcomeActive(id: "any", active: false) { id } }'),
    ("deleteOutcome", 'mutation { deleteOutcome(id: "any") }'),
    ("trainOutcomeModels", "mutation { trainOutcomeModels { trained } }"),
]


@pytest.mark.parametrize(("name", "mutation"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
async def test_changing_outcomes_needs_outcome_edit(start, name, mutation):
    secured = await start(jwt_secret=JWT_SECRET)
    refused = await secured.graphql(mutation, token=token(all_but(perm.OUTCOME_EDIT), ["*"]))
    error = refused["errors"][0]
    assert error["path"] == [name]
    assert error["extensions"] == {"code": "FORBIDDEN", "permission": perm.OUTCOME_EDIT}
