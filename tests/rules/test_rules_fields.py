"""Where each field is read from: the visit context or an event."""

import pytest

from rules import CONTEXT_FIELDS, parse_conditions


def condition(field, operator, *values):
    return parse_conditions(
        [{"field": field, "operator": operator, "values": list(values)}]
    )[0]


def nested(path, value):
    """{"a": {"b": value}} for "a.b"."""
    *parents, leaf = path.split(".")
    source = {leaf: value}
    for parent in reversed(parents):
        source = {parent: source}
    return source


@pytest.mark.parametrize("field", sorted(CONTEXT_FIELDS - {"authenticated"}))
def test_each_context_field_is_read_from_the_context(field):
    assert condition(field, "EQUAL", "some value").matches(nested(field, "Some Value"))


@pytest.mark.parametrize("field", sorted(CONTEXT_FIELDS))
def test_each_context_field_is_missing_from_an_empty_context(field):
    assert not condition(field, "EQUAL", "true").matches({})


def test_context_fields_cover_the_documented_set():
    assert CONTEXT_FIELDS == {
        "browser.family",
        "browser.version",
        "browser.lang",
        "device.category",
        "device.osFamily",
        "geolocation.country",
        "geolocation.region",
        "geolocation.locality",
        "referrer.medium",
        "referrer.hostname",
        "referrer.url",
        "campaign.source",
        "campaign.medium",
        "campaign.name",
        "campaign.term",
        "campaign.content",
        "authenticated",
    }


@pytest.mark.parametrize(("authenticated", "text"), [(True, "true"), (False, "false")])
def test_authenticated_reads_as_true_or_false(authenticated, text):
    assert condition("authenticated", "EQUAL", text).matches(
        {"authenticated": authenticated}
    )


@pytest.mark.parametrize(
    "context",
    [None, "chrome", {"browser": None}, {"browser": "chrome"}, {"browser": {}}],
)
def test_a_missing_or_malformed_context_part_is_missing(context):
    assert not condition("browser.family", "EQUAL", "chrome").matches(context)
    assert condition("browser.family", "NOT_EQUAL", "chrome").matches(context)


@pytest.mark.parametrize(
    ("field", "event"),
    [
        ("eventName", {"kind": "CUSTOM", "name": "Add_To_Cart"}),
        ("page.url", {"kind": "PAGEVIEW", "page": {"url": "Add_To_Cart"}}),
        ("page.title", {"kind": "PAGEVIEW", "page": {"title": "Add_To_Cart"}}),
        ("searchQuery", {"kind": "SEARCH", "query": "Add_To_Cart"}),
        ("attributes.step", {"kind": "CUSTOM", "attributes": {"step": "Add_To_Cart"}}),
    ],
)
def test_each_event_field_is_read_from_the_event(field, event):
    assert condition(field, "EQUAL", "add_to_cart").matches(event)


def test_event_name_is_not_the_event_kind():
    assert not condition("eventName", "EQUAL", "custom").matches(
        {"kind": "CUSTOM", "name": "add_to_cart"}
    )


def test_attribute_names_may_contain_dots():
    event = {"attributes": {"product.sku": "A1", "product": {"sku": "B2"}}}
    assert condition("attributes.product.sku", "EQUAL", "a1").matches(event)


@pytest.mark.parametrize("event", [{"page": None}, {"page": "https://x"}, {}])
def test_page_fields_are_missing_without_a_page(event):
    assert not condition("page.url", "CONTAINS_ANY", "x").matches(event)


@pytest.mark.parametrize("attributes", [None, [], "price=10"])
def test_attributes_are_missing_when_not_a_dict(attributes):
    assert not condition("attributes.price", "GREATER_THAN", "1").matches(
        {"attributes": attributes}
    )
