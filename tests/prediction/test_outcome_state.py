import json
from datetime import timedelta

from prediction import fold_event
from prediction.state import MAX_TRACKED_NAMES
from tests.prediction.outcome_synthetic import START, custom, pageview, search


def fold_all(events, **options):
    state = {}
    for event in events:
        state = fold_event(state, event, START, **options)
    return state


def test_counts_pageviews_searches_other_kinds_and_custom_names():
    state = fold_all([
        pageview("https://shop.example/a", START),
        search("shoes", START),
        custom("add_to_cart", START),
        custom("add_to_cart", START),
        custom("contact", START, kind="FORM_SUBMITTED"),
    ])

    assert state["pageviews"] == 1
    assert state["searches"] == 1
    assert state["name:add_to_cart"] == 2
    assert state["kind:FORM_SUBMITTED"] == 1


def test_leaves_the_given_state_untouched():
    before = fold_all([pageview("https://shop.example/a", START)])
    snapshot = dict(before)

    fold_event(before, pageview("https://shop.example/b", START), START)

    assert before == snapshot


def test_resuming_from_a_stored_state_matches_folding_straight_through():
    events = [pageview(f"https://shop.example/{i}", START + timedelta(seconds=i)) for i in range(6)]
    stored = json.loads(json.dumps(fold_all(events[:3])))

    resumed = stored
    for event in events[3:]:
        resumed = fold_event(resumed, event, START)

    assert resumed == fold_all(events)


def test_excluded_events_leave_the_state_as_it_was():
    before = fold_all([pageview("https://shop.example/a", START)])

    after = fold_event(before, custom("purchase", START + timedelta(minutes=5)), START,
                       exclude_names=frozenset({"purchase"}))

    assert after == before


def test_tracks_a_bounded_number_of_custom_names():
    state = fold_all([custom(f"event_{i}", START) for i in range(MAX_TRACKED_NAMES + 10)])

    assert sum(key.startswith("name:") for key in state) == MAX_TRACKED_NAMES


def test_records_seconds_since_start_and_since_previous_event():
    state = fold_all([
        pageview("https://shop.example/a", START + timedelta(seconds=30)),
        pageview("https://shop.example/b", START + timedelta(seconds=100)),
    ])

    assert state["elapsed_seconds"] == 100
    assert state["gap_seconds"] == 70


def test_a_late_event_does_not_move_the_clock_back():
    state = fold_all([
        pageview("https://shop.example/a", START + timedelta(seconds=100)),
        pageview("https://shop.example/b", START + timedelta(seconds=40)),
    ])

    assert state["elapsed_seconds"] == 100
    assert state["gap_seconds"] == 0


def test_state_holds_only_string_keys_and_numbers():
    state = fold_all([
        pageview("https://shop.example/a", START),
        search("shoes", START),
        custom("add_to_cart", START),
    ])

    assert all(isinstance(key, str) for key in state)
    assert all(type(value) in (int, float) for value in state.values())
