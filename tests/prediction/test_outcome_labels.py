import math

from prediction.labels import describe


def test_pageviews_are_counted():
    assert describe("pageviews", {"pageviews": math.log1p(5)}) == "5 pages viewed"


def test_a_single_search_reads_as_searched():
    assert describe("searches", {"searches": math.log1p(1)}) == "searched"


def test_paid_campaign_reads_as_such():
    assert describe("paid_campaign", {"paid_campaign": 1.0}) == "came from a paid campaign"


def test_device_names_the_session_s_device():
    assert describe("device", {"device:mobile": 1.0}) == "on a mobile device"


def test_unknown_custom_events_are_quoted_by_name():
    label = describe("name:video_play", {"name:video_play": math.log1p(3)})

    assert label == 'triggered "video_play" (3×)'


def test_other_kinds_are_phrased_from_the_kind():
    assert describe("kind:FORM_SUBMITTED", {}) == "has not submitted a form"


def test_earlier_visits_read_as_rates_per_visit():
    assert describe("per_visit:pageviews", {"per_visit:pageviews": math.log1p(4.5)}) == (
        "viewed 4.5 pages per earlier visit")
    assert describe("per_visit:name:add_to_cart", {"per_visit:name:add_to_cart": math.log1p(0.4)}) == (
        "added an item to the cart 0.4× per earlier visit")


def test_an_outcome_achieved_on_earlier_visits_is_named():
    assert describe("achieved_rate:o1", {"achieved_rate:o1": 0.2}) == 'has achieved outcome "o1" on earlier visits'
    assert describe("achieved_rate:o1", {}) == 'has not achieved outcome "o1" on earlier visits'


def test_the_session_s_categories_read_by_how_often_they_sell():
    assert describe("session_categories_sell", {"session_categories_sell": 0.4}) == (
        "in product categories that often sell")
    assert describe("session_categories_sell", {"session_categories_sell": -0.4}) == (
        "in product categories that seldom sell")
    assert describe("current_category_events", {"current_category_events": math.log1p(3)}) == (
        "3 events in the current product category")


def test_the_part_of_day_reads_as_its_hours():
    assert describe("daypart", {"daypart:12-15": 1.0}) == "visiting between 12:00 and 15:00 (UTC)"


def test_the_item_in_view_reads_by_whether_it_was_carted():
    assert describe("current_item_carted_before", {"current_item_carted_before": 1.0}) == (
        "on an item carted on an earlier visit")
    assert describe("current_item_carted", {}) == "not on an item carted in this visit"


def test_events_since_a_cart_add_read_as_such():
    assert describe("events_since_cart", {"events_since_cart": math.log1p(4)}) == "4 events since adding to the cart"
    assert describe("events_since_cart", {"name:add_to_cart": math.log1p(1)}) == "just added to the cart"
    assert describe("events_since_cart", {}) == "has not added to the cart"
