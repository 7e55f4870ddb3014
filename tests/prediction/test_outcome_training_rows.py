from datetime import timedelta

from prediction import training_rows
from tests.prediction.outcome_synthetic import START, custom, pageview


def at(minutes):
    return START + timedelta(minutes=minutes)


def test_one_row_per_event_labelled_with_the_outcome():
    events = [pageview("https://shop.example/a", at(0)), pageview("https://shop.example/b", at(1))]

    rows = training_rows([({}, [], events, False)], ["purchase"])

    assert [achieved for _, achieved in rows] == [False, False]
    assert rows[0][0]["pageviews"] < rows[1][0]["pageviews"]


def test_achieved_session_gives_only_prefixes_before_its_first_outcome_event():
    events = [
        pageview("https://shop.example/a", at(0)),
        custom("add_to_cart", at(1)),
        custom("purchase", at(2)),
        pageview("https://shop.example/b", at(3)),
    ]

    rows = training_rows([({}, [], events, True)], ["purchase"])

    assert len(rows) == 2
    assert all(achieved for _, achieved in rows)


def test_outcome_events_are_neither_rows_nor_features():
    events = [
        pageview("https://shop.example/a", at(0)),
        custom("purchase", at(1)),
        pageview("https://shop.example/b", at(2)),
    ]

    rows = training_rows([({}, [], events, False)], ["purchase"])

    assert len(rows) == 2
    assert not any("name:purchase" in features for features, _ in rows)


def test_long_sessions_are_sampled_evenly_from_first_to_last_prefix():
    events = [pageview(f"https://shop.example/{i}", at(i)) for i in range(300)]

    rows = training_rows([({}, [], events, False)], ["purchase"], max_prefixes=30)

    minutes = [round(features.get("session_minutes", 0.0), 6) for features, _ in rows]
    assert len(rows) == 30
    assert minutes == sorted(set(minutes))
    every_prefix = training_rows([({}, [], events, False)], ["purchase"], max_prefixes=300)
    assert rows[0] == every_prefix[0]
    assert rows[-1] == every_prefix[-1]


def test_context_and_segments_reach_every_row():
    events = [pageview("https://shop.example/a", at(0)), pageview("https://shop.example/b", at(1))]

    journey = ({"device": {"category": "tablet"}}, ["vip"], events, False)

    rows = training_rows([journey], ["purchase"])

    assert all(f["device:tablet"] == 1.0 and f["segment:vip"] == 1.0 for f, _ in rows)
