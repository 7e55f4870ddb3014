import math
from datetime import timedelta

from prediction import feature_vector, fold_event
from prediction.features import count_of
from prediction.history import snapshot
from tests.prediction.outcome_synthetic import START, custom, pageview


def state_of(events):
    state = {}
    for event in events:
        state = fold_event(state, event, START)
    return state


def test_counts_are_log1p_scaled():
    state = state_of([custom("add_to_cart", START)] * 3)

    assert feature_vector(state, {}, [])["name:add_to_cart"] == math.log1p(3)


def test_absent_counts_are_left_out():
    features = feature_vector(state_of([pageview("https://shop.example/a", START)]), {}, [])

    assert "searches" not in features
    assert "repeat_pageviews" not in features


def test_returning_to_a_page_counts_as_a_repeat_view():
    state = state_of([
        pageview("https://shop.example/a", START),
        pageview("https://shop.example/b", START),
        pageview("https://shop.example/a", START),
    ])

    assert feature_vector(state, {}, [])["repeat_pageviews"] == math.log1p(1)


def test_session_time_is_in_log_minutes():
    state = state_of([pageview("https://shop.example/a", START + timedelta(minutes=9))])

    assert feature_vector(state, {}, [])["session_minutes"] == math.log1p(9)


def test_device_and_referrer_are_one_hot_and_lowercased():
    context = {"device": {"category": "Mobile"}, "referrer": {"medium": "organic"}}

    features = feature_vector({}, context, [])

    assert features == {"device:mobile": 1.0, "referrer:organic": 1.0}


def test_paid_campaign_medium_sets_the_paid_flag():
    context = {"campaign": {"source": "google", "medium": "cpc", "name": "spring"}}

    assert feature_vector({}, context, [])["paid_campaign"] == 1.0


def test_organic_traffic_is_not_paid():
    context = {"referrer": {"medium": "organic"}, "campaign": {"medium": "newsletter"}}

    assert "paid_campaign" not in feature_vector({}, context, [])


def test_segments_become_flags():
    features = feature_vector({}, {}, ["vip", "returning"])

    assert features == {"segment:vip": 1.0, "segment:returning": 1.0}


def test_missing_context_parts_are_ignored():
    for context in (None, {}, {"device": None, "referrer": {}, "campaign": {"medium": None}}):
        assert feature_vector({}, context, []) == {}


def test_state_bookkeeping_never_becomes_a_feature():
    state = state_of([pageview("https://shop.example/a", START), custom("add_to_cart", START)])

    features = feature_vector(state, {}, [])

    # START is a Saturday afternoon (UTC); one item, the page, was looked at.
    assert set(features) == {"pageviews", "name:add_to_cart", "distinct_items", "daypart:12-15", "weekend"}


def test_items_seen_again_count_only_across_sessions():
    earlier = state_of([pageview("https://shop.example/boots", START), custom("add_to_cart", START)])
    history = {"sessions": 1, "seen0": 0, "carted0": 0}
    for key, value in earlier.items():
        if key.startswith("item_sketch"):
            history["seen" + key.removeprefix("item_sketch")] = value
    state = snapshot(history, START)
    for event in (pageview("https://shop.example/boots", START), pageview("https://shop.example/boots", START),
                  pageview("https://shop.example/hat", START)):
        state = fold_event(state, event, START)

    features = feature_vector(state, {}, [])

    assert count_of(features, "items_seen_before") == 2
    assert "items_carted_before" not in features


def test_features_stay_few_and_small_in_a_very_long_session():
    events = [pageview(f"https://shop.example/{i % 500}", START) for i in range(5000)]
    events += [custom(f"event_{i}", START) for i in range(500)]

    features = feature_vector(state_of(events), {}, [])

    assert len(features) <= 64 + 5
    assert all(0 < value < 12 for value in features.values())


def returning_state(history: dict, events: list[dict]) -> dict:
    state = snapshot(history, START)
    for event in events:
        state = fold_event(state, event, START)
    return state


def test_earlier_sessions_are_read_per_visit_not_as_totals():
    # Two customers who behaved alike on every visit; one has been around twice as long.
    newer = {"sessions": 4, "counts": {"pageviews": 20, "name:add_to_cart": 2, "achieved:o1": 2}}
    older = {"sessions": 8, "counts": {"pageviews": 40, "name:add_to_cart": 4, "achieved:o1": 4}}
    visit = [pageview("https://shop.example/a", START)]

    features = feature_vector(returning_state(newer, visit), {}, [])

    assert features["per_visit:pageviews"] == math.log1p(5)
    assert features["per_visit:name:add_to_cart"] == math.log1p(0.5)
    assert not [name for name in features if name.startswith("history:")]
    older_features = feature_vector(returning_state(older, visit), {}, [])
    assert older_features["per_visit:pageviews"] == features["per_visit:pageviews"]
    # The longer record of the same share of purchases is the surer one.
    assert older_features["achieved_rate:o1"] > features["achieved_rate:o1"] > 0


def test_a_first_visit_has_no_earlier_rates():
    features = feature_vector(returning_state({}, [pageview("https://shop.example/a", START)]), {}, [])

    assert not [name for name in features if name.startswith(("per_visit:", "achieved_rate:"))]


def on_category(category: str, url: str = "https://shop.example/a") -> dict:
    return {**pageview(url, START), "attributes": {"category": category}}


def test_categories_browsed_on_earlier_visits_are_counted():
    earlier = state_of([on_category("boots")])
    history = {"sessions": 1}
    for key, value in earlier.items():
        if key.startswith("category_sketch"):
            history["categories" + key.removeprefix("category_sketch")] = value
    state = returning_state(history, [on_category("boots"), on_category("hats"), on_category("boots")])

    assert count_of(feature_vector(state, {}, []), "categories_seen_before") == 2


def test_events_in_the_current_category_are_counted():
    state = state_of([on_category("boots"), on_category("hats"), on_category("boots"), on_category("boots")])

    features = feature_vector(state, {}, [])

    assert count_of(features, "current_category_events") == 3


def test_a_session_tracks_a_bounded_number_of_categories():
    state = state_of([on_category(f"category {number}") for number in range(100)])

    features = feature_vector(state, {}, [])

    assert len([name for name in features if name.startswith("category_events:")]) == 16


def cart_add(url: str, at) -> dict:
    """A cart add sent from the product's page, as a shop's tracker sends it."""
    return {**custom("add_to_cart", at), "page": {"url": url}}


def test_the_item_in_view_says_whether_it_was_carted_earlier_in_the_session():
    state = state_of([pageview("https://shop.example/boots", START), cart_add("https://shop.example/boots", START),
                      pageview("https://shop.example/hat", START)])

    on_new_item = feature_vector(state, {}, [])
    back_on_carted = feature_vector(fold_event(state, pageview("https://shop.example/boots", START), START), {}, [])

    assert not {"current_item_carted", "current_item_carted_before"} & set(on_new_item)
    assert back_on_carted["current_item_carted"] == 1.0
    assert "current_item_carted_before" not in back_on_carted


def test_the_item_in_view_says_whether_it_was_carted_in_an_earlier_session():
    earlier = state_of([cart_add("https://shop.example/boots", START)])
    history = {"sessions": 1}
    for key, value in earlier.items():
        if key.startswith("carted_sketch"):
            history["carted" + key.removeprefix("carted_sketch")] = value

    features = feature_vector(returning_state(history, [pageview("https://shop.example/boots", START)]), {}, [])

    assert features["current_item_carted_before"] == 1.0
    assert "current_item_carted" not in features


def test_events_since_the_latest_cart_add_are_counted_from_it():
    assert "events_since_cart" not in feature_vector(state_of([pageview("https://shop.example/a", START)]), {}, [])

    state = state_of([cart_add("https://shop.example/a", START), pageview("https://shop.example/b", START),
                      pageview("https://shop.example/c", START)])

    assert count_of(feature_vector(state, {}, []), "events_since_cart") == 2
    again = fold_event(state, cart_add("https://shop.example/c", START), START)
    assert "events_since_cart" not in feature_vector(again, {}, [])
