"""Parsing raw condition definitions, and the exact error for each kind of bad one."""

import dataclasses
import pickle

import pytest

from rules import (
    MAX_CONDITIONS,
    MAX_COUNT,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    Condition,
    Operator,
    RuleDefinitionError,
    parse_conditions,
)

VALID = {"field": "eventName", "operator": "EQUAL", "values": ["add_to_cart"]}


def with_(**changes):
    """VALID with some keys replaced; a value of ... removes the key."""
    raw = VALID | changes
    return {key: value for key, value in raw.items() if value is not ...}


def error_for(raw):
    with pytest.raises(RuleDefinitionError) as caught:
        parse_conditions(raw)
    return str(caught.value)


def test_parsed_conditions_are_a_tuple_of_conditions():
    parsed = parse_conditions(
        [VALID, with_(field="device.category", values=["mobile"])]
    )
    assert isinstance(parsed, tuple)
    assert all(isinstance(condition, Condition) for condition in parsed)


def test_parsing_keeps_field_and_operator():
    [condition] = parse_conditions([with_(field="page.url", operator="CONTAINS_ANY")])
    assert (condition.field, condition.operator) == ("page.url", Operator.CONTAINS_ANY)


def test_values_are_case_folded():
    [condition] = parse_conditions([with_(values=["Add_To_CART", "Checkout"])])
    assert condition.values == ("add_to_cart", "checkout")


def test_values_equal_after_folding_are_kept_once():
    [condition] = parse_conditions([with_(values=["Mobile", "mobile", "tablet"])])
    assert condition.values == ("mobile", "tablet")


def test_event_conditions_count_one_event_by_default():
    [condition] = parse_conditions([VALID])
    assert condition.count == 1


def test_event_conditions_keep_their_count():
    [condition] = parse_conditions([with_(count=3)])
    assert condition.count == 3


def test_context_conditions_have_no_count():
    [condition] = parse_conditions([with_(field="device.category", values=["mobile"])])
    assert condition.count is None


def test_an_explicit_null_count_on_a_context_field_is_accepted():
    [condition] = parse_conditions(
        [with_(field="device.category", values=["mobile"], count=None)]
    )
    assert condition.count is None


def test_conditions_are_immutable():
    [condition] = parse_conditions([VALID])
    with pytest.raises(dataclasses.FrozenInstanceError):
        condition.values = ("other",)


def test_equal_definitions_give_equal_conditions():
    assert parse_conditions([VALID]) == parse_conditions(
        [with_(values=["ADD_TO_CART"])]
    )


def test_operators_given_as_enum_members_are_accepted():
    [condition] = parse_conditions([with_(operator=Operator.NOT_EQUAL)])
    assert condition.operator is Operator.NOT_EQUAL


def test_the_limits_themselves_are_accepted():
    raw = [
        with_(
            values=["x" * MAX_VALUE_LENGTH] + [f"v{i}" for i in range(MAX_VALUES - 1)],
            count=MAX_COUNT,
        )
    ]
    assert len(parse_conditions(raw * MAX_CONDITIONS)) == MAX_CONDITIONS


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(None, "conditions: must be a list", id="not-a-list"),
        pytest.param(VALID, "conditions: must be a list", id="a-single-object"),
        pytest.param(
            [], "conditions: at least one condition is required", id="empty-list"
        ),
        pytest.param(
            [VALID] * 21,
            "conditions: at most 20 conditions are allowed, got 21",
            id="too-many-conditions",
        ),
        pytest.param(
            [VALID, "eventName"],
            "conditions[1]: must be an object",
            id="condition-not-an-object",
        ),
        pytest.param(
            [with_(value=["a"])], "conditions[0]: unknown key 'value'", id="unknown-key"
        ),
        pytest.param(
            [with_(field=...)],
            "conditions[0].field: must be a string",
            id="missing-field",
        ),
        pytest.param(
            [with_(field=3)],
            "conditions[0].field: must be a string",
            id="non-string-field",
        ),
        pytest.param(
            [with_(field="browser.name")],
            "conditions[0].field: unknown field 'browser.name'",
            id="unknown-field",
        ),
        pytest.param(
            [with_(field="device.osVersion")],
            "conditions[0].field: unknown field 'device.osVersion'",
            id="context-key-that-is-not-a-field",
        ),
        pytest.param(
            [with_(field="EventName")],
            "conditions[0].field: unknown field 'EventName'",
            id="field-names-are-case-sensitive",
        ),
        pytest.param(
            [with_(field="attributes.")],
            "conditions[0].field: unknown field 'attributes.'",
            id="attribute-without-name",
        ),
        pytest.param(
            [with_(field="attributes." + "a" * 500)],
            "conditions[0].field: longer than 500 characters",
            id="over-long-field",
        ),
        pytest.param(
            [with_(operator="LIKE")],
            "conditions[0].operator: unknown operator 'LIKE'",
            id="unknown-operator",
        ),
        pytest.param(
            [with_(operator="equal")],
            "conditions[0].operator: unknown operator 'equal'",
            id="lower-case-operator",
        ),
        pytest.param(
            [with_(operator=...)],
            "conditions[0].operator: must be a string",
            id="missing-operator",
        ),
        pytest.param(
            [with_(values=...)],
            "conditions[0].values: must be a list of strings",
            id="missing-values",
        ),
        pytest.param(
            [with_(values="add_to_cart")],
            "conditions[0].values: must be a list of strings",
            id="values-not-a-list",
        ),
        pytest.param(
            [with_(values=[])],
            "conditions[0].values: at least one value is required",
            id="empty-values",
        ),
        pytest.param(
            [with_(values=["a", ""])],
            "conditions[0].values[1]: must not be empty",
            id="empty-value",
        ),
        pytest.param(
            [with_(values=["a", 3])],
            "conditions[0].values[1]: must be a string",
            id="non-string-value",
        ),
        pytest.param(
            [with_(values=["x" * 501])],
            "conditions[0].values[0]: longer than 500 characters",
            id="over-long-value",
        ),
        pytest.param(
            [with_(values=[str(i) for i in range(101)])],
            "conditions[0].values: at most 100 values are allowed, got 101",
            id="too-many-values",
        ),
        pytest.param(
            [with_(operator="GREATER_THAN", values=["1", "2"])],
            "conditions[0].values: GREATER_THAN takes exactly one value, got 2",
            id="comparison-two-values",
        ),
        pytest.param(
            [with_(operator="LESS_THAN", values=["ten"])],
            "conditions[0].values[0]: LESS_THAN needs a number, got 'ten'",
            id="comparison-non-numeric",
        ),
        pytest.param(
            [with_(operator="LESS_THAN", values=["inf"])],
            "conditions[0].values[0]: LESS_THAN needs a number, got 'inf'",
            id="comparison-infinite",
        ),
        pytest.param(
            [with_(operator="LESS_THAN", values=["1e999"])],
            "conditions[0].values[0]: LESS_THAN needs a number, got '1e999'",
            id="comparison-overflowing",
        ),
        pytest.param(
            [with_(field="device.category", count=2)],
            "conditions[0].count: not allowed on context field 'device.category'",
            id="count-on-context",
        ),
        pytest.param(
            [with_(count=0)], "conditions[0].count: must be at least 1", id="count-zero"
        ),
        pytest.param(
            [with_(count=-3)],
            "conditions[0].count: must be at least 1",
            id="count-negative",
        ),
        pytest.param(
            [with_(count=True)],
            "conditions[0].count: must be an integer",
            id="count-boolean",
        ),
        pytest.param(
            [with_(count=2.0)],
            "conditions[0].count: must be an integer",
            id="count-float",
        ),
        pytest.param(
            [with_(count="3")],
            "conditions[0].count: must be an integer",
            id="count-string",
        ),
        pytest.param(
            [with_(count=MAX_COUNT + 1)],
            "conditions[0].count: must be at most 1000000",
            id="count-too-big",
        ),
    ],
)
def test_each_definition_error_names_the_bad_part(raw, message):
    assert error_for(raw) == message


def test_errors_point_at_the_offending_condition():
    assert error_for([VALID, VALID, with_(operator="LIKE")]).startswith(
        "conditions[2].operator:"
    )


def test_error_messages_cut_absurd_input_short():
    assert len(error_for([with_(operator="X" * 100_000)])) < 120


def test_error_exposes_path_and_message():
    with pytest.raises(RuleDefinitionError) as caught:
        parse_conditions([VALID, with_(operator="LIKE")])
    assert (caught.value.path, caught.value.message) == (
        "conditions[1].operator",
        "unknown operator 'LIKE'",
    )


def test_error_is_a_value_error():
    assert issubclass(RuleDefinitionError, ValueError)


def test_error_survives_pickling():
    error = pickle.loads(
        pickle.dumps(RuleDefinitionError("conditions[0].field", "unknown field 'x'"))
    )
    assert (error.path, error.message, str(error)) == (
        "conditions[0].field",
        "unknown field 'x'",
        "conditions[0].field: unknown field 'x'",
    )
