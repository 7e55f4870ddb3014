"""Models learn how often each product category sells and read it per event."""

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from prediction import SessionRows, feature_vector, fold_event, model_from_document, select_model
from prediction.categories import CategoryCounts, CategoryRates, CategoryTally, out_of_fold, session_counts
from prediction.state import CATEGORY_CODE
from tests.prediction.outcome_synthetic import START, custom, pageview

NOW = datetime(2025, 3, 9, tzinfo=UTC)


def viewed(category: str, pages: int = 3, rng: random.Random | None = None) -> list[dict]:
    rng = rng or random.Random(0)
    return [
        {**pageview(f"https://shop.example/p/{rng.randint(1, 40)}", START + timedelta(seconds=20 * n)),
         "attributes": {"category": category}}
        for n in range(pages)
    ]


def session(events: list[dict], achieved: bool, ended_at: float) -> SessionRows:
    """A session's rows and category counts, as training reads them from stored events."""
    state: dict = {}
    rows, codes = [], []
    for event in events:
        state = fold_event(state, event, START)
        codes.append(state.get(CATEGORY_CODE))
        rows.append((feature_vector(state, None, ()), achieved, 0.0))
    if achieved:
        state = fold_event(state, {**custom("purchase", START), "attributes": events[-1]["attributes"]}, START)
        codes.append(state[CATEGORY_CODE])
    return SessionRows(ended_at, rows, session_counts(codes, codes[-1] if achieved else None))


def shop(count: int, seed: int) -> list[SessionRows]:
    """Boots sell in one session of two, hats in one of fifty; nothing else differs."""
    rng = random.Random(seed)
    sessions = []
    for number in range(count):
        category = rng.choice(["boots", "hats"])
        achieved = rng.random() < (0.5 if category == "boots" else 0.02)
        sessions.append(session(viewed(category, rng.randint(1, 5), rng), achieved, 60.0 * number))
    return sessions


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["logistic-v1", "trees-v1"])
def test_a_session_on_a_category_that_sells_is_likelier_to_buy_and_told_so(kind):
    selection = select_model(shop(1500, seed=1), trained_at=NOW, min_rows=200, min_positives=20, kinds=(kind,))
    model = model_from_document(json.loads(json.dumps(selection.model.to_document())))
    on_boots = feature_vector(fold_event({}, viewed("boots", 1)[0], START), None, ())
    on_hats = feature_vector(fold_event({}, viewed("hats", 1)[0], START), None, ())

    boots, hats = model.predict(on_boots), model.predict(on_hats)

    assert selection.used
    assert boots.probability > 3 * hats.probability
    assert boots.factors[0].label == "on a product category that often sells"
    assert boots.factors[0].contribution > 0
    assert hats.factors[0].label == "on a product category that seldom sells"
    assert hats.factors[0].contribution < 0


def test_a_session_is_fitted_with_rates_its_own_outcome_did_not_count_in():
    # The only session on scarves bought: what the others say of scarves is nothing.
    sessions = [session(viewed("boots"), number % 2 == 0, 60.0 * number) for number in range(40)]
    scarves = session(viewed("scarves"), True, 3000.0)
    features, _, _ = scarves.rows[0]

    fitted_with, overall = out_of_fold([s.categories for s in [*sessions, scarves]])

    assert "category_sells" not in fitted_with[-1].applied(features)
    assert overall.applied(features)["category_sells"] > 0


def test_a_category_seen_a_few_times_says_little():
    # Both sold on one event of two; one was seen twice, the other two hundred times.
    sessions = [CategoryCounts({1: 2}, 1), *(CategoryCounts({3: 2}, 3) for _ in range(100)),
                *(CategoryCounts({2: 20}, None) for _ in range(500))]

    rates = CategoryTally(sessions).rates().values

    assert 0 < rates[1] < rates[3] / 2


def test_the_session_s_categories_sell_as_the_average_of_its_events():
    state: dict = {}
    for event in [*viewed("boots", 3), *viewed("hats", 1)]:
        state = fold_event(state, event, START)
    boots, hats = (session_counts([fold_event({}, viewed(name, 1)[0], START)[CATEGORY_CODE]], None)
                   for name in ("boots", "hats"))
    [boots_code], [hats_code] = boots.events, hats.events
    rates = CategoryRates({boots_code: 1.0, hats_code: -0.5})

    applied = rates.applied(feature_vector(state, None, ()))

    assert applied["category_sells"] == -0.5  # on hats now
    assert applied["session_categories_sell"] == pytest.approx((3 * 1.0 - 0.5) / 4)
