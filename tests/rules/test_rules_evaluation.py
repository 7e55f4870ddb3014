"""Incremental evaluation of rule sets over a session's events."""

import copy
import json

import pytest

from rules import Rule, RuleDefinitionError, RuleSet, parse_conditions

MOBILE = {"field": "device.category", "operator": "EQUAL", "values": ["mobile"]}
FRENCH = {"field": "geolocation.country", "operator": "EQUAL", "values": ["FR"]}
PRODUCT_PAGES = {
    "field": "page.url",
    "operator": "CONTAINS_ANY",
    "values": ["/products/"],
    "count": 3,
}
ADDED_TO_CART = {"field": "eventName", "operator": "EQUAL", "values": ["add_to_cart"]}

MOBILE_CONTEXT = {"device": {"category": "mobile"}, "geolocation": {"country": "FR"}}
DESKTOP_CONTEXT = {"device": {"category": "desktop"}, "geolocation": {"country": "FR"}}


def rule(rule_id, *conditions):
    return Rule(rule_id, parse_conditions(list(conditions)))


def pageview(path):
    return {
        "kind": "PAGEVIEW",
        "name": "pageview",
        "page": {"url": f"https://shop.example.com{path}", "title": "Shop"},
        "query": None,
        "attributes": {},
    }


def custom(name, **attributes):
    return {
        "kind": "CUSTOM",
        "name": name,
        "page": None,
        "query": None,
        "attributes": attributes,
    }


def feed(rule_set, events, context=MOBILE_CONTEXT, state=None):
    """The state and matching ids after folding ``events`` in order."""
    state = {} if state is None else state
    held = rule_set.matching(state, context)
    for event in events:
        state, held = rule_set.advance(state, context, event)
    return state, held


def test_a_context_rule_holds_without_any_event():
    rule_set = RuleSet([rule("mobile", MOBILE)])
    assert rule_set.advance({}, MOBILE_CONTEXT, None) == ({}, ["mobile"])


def test_a_context_rule_does_not_hold_for_another_context():
    rule_set = RuleSet([rule("mobile", MOBILE)])
    assert rule_set.advance({}, DESKTOP_CONTEXT, None)[1] == []


def test_a_context_rule_holds_on_any_event():
    rule_set = RuleSet([rule("mobile", MOBILE)])
    assert rule_set.advance({}, MOBILE_CONTEXT, custom("newsletter_signup"))[1] == [
        "mobile"
    ]


def test_context_conditions_read_the_context_not_the_event():
    rule_set = RuleSet([rule("mobile", MOBILE)])
    event = custom("x") | {"device": {"category": "mobile"}}
    assert rule_set.advance({}, DESKTOP_CONTEXT, event)[1] == []


def test_a_missing_context_fails_context_conditions():
    rule_set = RuleSet([rule("mobile", MOBILE)])
    assert rule_set.matching({}, None) == []


def test_an_event_condition_holds_after_one_matching_event_by_default():
    rule_set = RuleSet([rule("carted", ADDED_TO_CART)])
    assert feed(rule_set, [custom("add_to_cart")])[1] == ["carted"]


def test_an_event_condition_does_not_hold_before_its_event():
    rule_set = RuleSet([rule("carted", ADDED_TO_CART)])
    assert feed(rule_set, [pageview("/"), custom("purchase")])[1] == []


def test_a_counted_condition_holds_only_once_its_count_is_reached():
    rule_set = RuleSet([rule("browser", PRODUCT_PAGES)])
    state, held_after = {}, []
    for event in [
        pageview("/products/1"),
        pageview("/"),
        pageview("/products/2"),
        custom("add_to_cart"),
        pageview("/products/3"),
    ]:
        state, held = rule_set.advance(state, MOBILE_CONTEXT, event)
        held_after.append(held)
    assert held_after == [[], [], [], [], ["browser"]]


def test_a_reached_count_keeps_holding():
    rule_set = RuleSet([rule("browser", PRODUCT_PAGES)])
    state, _ = feed(rule_set, [pageview("/products/1")] * 3)
    assert feed(rule_set, [pageview("/"), custom("purchase")], state=state)[1] == [
        "browser"
    ]


def test_every_condition_of_a_rule_must_hold():
    rule_set = RuleSet([rule("mobile-browser", MOBILE, PRODUCT_PAGES)])
    assert (
        feed(rule_set, [pageview("/products/1")] * 3, context=DESKTOP_CONTEXT)[1] == []
    )


def test_every_event_condition_of_a_rule_must_reach_its_count():
    rule_set = RuleSet([rule("browser-buyer", PRODUCT_PAGES, ADDED_TO_CART)])
    assert feed(rule_set, [pageview("/products/1")] * 5)[1] == []


def test_a_rule_holds_once_its_last_condition_does():
    rule_set = RuleSet([rule("browser-buyer", MOBILE, PRODUCT_PAGES, ADDED_TO_CART)])
    assert feed(rule_set, [pageview("/products/1")] * 3 + [custom("add_to_cart")])[
        1
    ] == ["browser-buyer"]


def test_counts_carry_over_when_the_context_changes():
    rule_set = RuleSet([rule("mobile-browser", MOBILE, PRODUCT_PAGES)])
    state, _ = feed(rule_set, [pageview("/products/1")] * 3, context=DESKTOP_CONTEXT)
    assert rule_set.advance(state, MOBILE_CONTEXT, None)[1] == ["mobile-browser"]


def test_matching_reports_what_advance_without_an_event_reports():
    rule_set = RuleSet(
        [rule("mobile", MOBILE), rule("browser", PRODUCT_PAGES), rule("french", FRENCH)]
    )
    state, _ = feed(rule_set, [pageview("/products/1")] * 3)
    assert (
        rule_set.matching(state, MOBILE_CONTEXT)
        == rule_set.advance(state, MOBILE_CONTEXT, None)[1]
    )


def test_matching_rules_are_reported_in_rule_order():
    rule_set = RuleSet([rule("z", ADDED_TO_CART), rule("a", FRENCH), rule("m", MOBILE)])
    assert feed(rule_set, [custom("add_to_cart")])[1] == ["z", "a", "m"]


def test_rules_sharing_a_condition_count_towards_their_own_targets():
    twice = ADDED_TO_CART | {"count": 2}
    rule_set = RuleSet([rule("once", ADDED_TO_CART), rule("twice", twice)])
    assert feed(rule_set, [custom("add_to_cart")])[1] == ["once"]


def test_a_negated_event_condition_counts_events_without_the_field():
    not_checkout = {
        "field": "page.url",
        "operator": "NOT_CONTAINS_ANY",
        "values": ["/checkout"],
        "count": 2,
    }
    rule_set = RuleSet([rule("elsewhere", not_checkout)])
    assert feed(rule_set, [custom("add_to_cart"), custom("purchase")])[1] == [
        "elsewhere"
    ]


def test_attribute_conditions_count_matching_events():
    big_cart = {
        "field": "attributes.price",
        "operator": "GREATER_THAN",
        "values": ["100"],
        "count": 2,
    }
    rule_set = RuleSet([rule("big-spender", big_cart)])
    events = [
        custom("add_to_cart", price=150),
        custom("add_to_cart", price=20),
        custom("add_to_cart", price="101.5"),
    ]
    assert feed(rule_set, events)[1] == ["big-spender"]


def test_advance_does_not_mutate_the_given_state():
    rule_set = RuleSet([rule("browser", PRODUCT_PAGES)])
    state = {"browser:0": 1}
    before = copy.deepcopy(state)
    new_state, _ = rule_set.advance(state, MOBILE_CONTEXT, pageview("/products/1"))
    assert (state, new_state) == (before, {"browser:0": 2})


def test_advance_returns_the_given_state_when_no_count_changes():
    rule_set = RuleSet([rule("browser", PRODUCT_PAGES)])
    state = {"browser:0": 1}
    assert rule_set.advance(state, MOBILE_CONTEXT, pageview("/about"))[0] is state


def test_advance_without_an_event_leaves_the_state_alone():
    rule_set = RuleSet([rule("browser", PRODUCT_PAGES)])
    state = {"browser:0": 1}
    assert rule_set.advance(state, MOBILE_CONTEXT, None)[0] is state


def test_state_keys_name_the_rule_and_condition_index():
    rule_set = RuleSet([rule("segment-7", MOBILE, PRODUCT_PAGES, ADDED_TO_CART)])
    state, _ = feed(rule_set, [pageview("/products/1"), custom("add_to_cart")])
    assert state == {"segment-7:1": 1, "segment-7:2": 1}


def test_state_stays_small_over_a_long_session():
    rule_set = RuleSet(
        [
            rule("browser", PRODUCT_PAGES),
            rule("buyer", ADDED_TO_CART | {"count": 5}),
            rule("mobile", MOBILE),
        ]
    )
    events = [
        pageview(f"/products/{n}") if n % 2 else custom("add_to_cart", n=n)
        for n in range(10_000)
    ]
    state, _ = feed(rule_set, events)
    assert state == {"browser:0": 3, "buyer:0": 5}


def test_state_survives_a_json_round_trip():
    rule_set = RuleSet([rule("browser", PRODUCT_PAGES)])
    state, _ = feed(rule_set, [pageview("/products/1")] * 2)
    restored = json.loads(json.dumps(state))
    assert rule_set.advance(restored, MOBILE_CONTEXT, pageview("/products/2"))[1] == [
        "browser"
    ]


def test_counts_for_rules_no_longer_in_the_set_are_ignored():
    rule_set = RuleSet([rule("carted", ADDED_TO_CART)])
    assert rule_set.matching({"retired:0": 9}, MOBILE_CONTEXT) == []


def test_malformed_events_fail_conditions_instead_of_raising():
    rule_set = RuleSet([rule("carted", ADDED_TO_CART), rule("browser", PRODUCT_PAGES)])
    events = [
        {},
        {"name": None, "page": "x", "attributes": 5},
        {"name": ["add_to_cart"], "page": {"url": 7}},
    ]
    assert feed(rule_set, events) == ({}, [])


def test_an_event_that_is_not_a_dict_is_refused():
    rule_set = RuleSet([rule("carted", ADDED_TO_CART)])
    with pytest.raises(TypeError):
        rule_set.advance({}, MOBILE_CONTEXT, "add_to_cart")


def test_an_empty_rule_set_matches_nothing():
    assert RuleSet([]).advance({}, MOBILE_CONTEXT, custom("add_to_cart")) == ({}, [])


def test_a_rule_set_accepts_any_iterable_of_rules():
    rule_set = RuleSet(rule(f"r{n}", MOBILE) for n in range(3))
    assert rule_set.matching({}, MOBILE_CONTEXT) == ["r0", "r1", "r2"]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        pytest.param(
            [Rule("a", ())],
            "rules[0].conditions: at least one condition is required",
            id="no-conditions",
        ),
        pytest.param(
            [Rule("", parse_conditions([MOBILE]))],
            "rules[0].id: must be a non-empty string",
            id="empty-id",
        ),
        pytest.param(
            [
                Rule("a", parse_conditions([MOBILE])),
                Rule("a", parse_conditions([FRENCH])),
            ],
            "rules[1].id: duplicate rule id 'a'",
            id="duplicate-id",
        ),
        pytest.param(
            [{"id": "a", "conditions": [MOBILE]}],
            "rules[0]: must be a Rule",
            id="not-a-rule",
        ),
        pytest.param(
            [Rule("a", (MOBILE,))],
            "rules[0].conditions[0]: must be a Condition",
            id="unparsed-condition",
        ),
    ],
)
def test_each_bad_rule_is_refused_with_its_path(rules, message):
    with pytest.raises(RuleDefinitionError) as caught:
        RuleSet(rules)
    assert str(caught.value) == message
