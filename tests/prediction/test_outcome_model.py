import json
from datetime import timedelta

import pytest

from prediction import MODEL_SOURCE, Factor, Model, feature_vector, fold_event, train, training_rows
from tests.prediction.outcome_synthetic import START, custom, pageview, shop_journeys


@pytest.fixture(scope="module")
def model():
    return train(training_rows(shop_journeys(3000, seed=1), ["purchase"]))


def session_features(cart_adds=0, pageviews=1):
    state = {}
    for index in range(pageviews):
        at = START + timedelta(seconds=index)
        state = fold_event(state, pageview(f"https://shop.example/p/{index}", at), START)
    for _ in range(cart_adds):
        state = fold_event(state, custom("add_to_cart", START), START)
    return feature_vector(state, {"device": {"category": "mobile"}}, [])


def test_document_round_trip_through_json_predicts_identically(model):
    restored = Model.from_document(json.loads(json.dumps(model.to_document())))

    for features, _ in training_rows(shop_journeys(200, seed=3), ["purchase"]):
        assert restored.predict(features) == model.predict(features)


def test_document_names_the_model_and_its_history(model):
    document = model.to_document()

    assert document["model"] == MODEL_SOURCE
    assert (document["rows"], document["positives"]) == (model.rows, model.positives)
    assert len(document["features"]) == len(document["weights"]) == len(document["means"])


def test_other_documents_are_refused(model):
    with pytest.raises(ValueError):
        Model.from_document({**model.to_document(), "model": "logistic-v0"})


def test_predictions_are_marked_as_the_model_s(model):
    assert model.predict(session_features()).source == MODEL_SOURCE


def test_cart_adds_raise_the_probability(model):
    without = model.predict(session_features(cart_adds=0)).probability
    with_cart = model.predict(session_features(cart_adds=1)).probability

    assert with_cart > 2 * without


def test_quantile_rises_with_probability(model):
    sessions = [session_features(carts, pageviews) for carts in range(4) for pageviews in range(1, 9)]
    predictions = sorted(map(model.predict, sessions), key=lambda p: p.probability)

    quantiles = [prediction.quantile for prediction in predictions]
    assert quantiles == sorted(quantiles)
    assert 0.0 <= quantiles[0] < quantiles[-1] <= 1.0


def test_the_strongest_factor_is_the_real_driver(model):
    factors = model.predict(session_features(cart_adds=2)).factors

    assert factors[0].feature == "name:add_to_cart"
    assert factors[0].label == "added an item to the cart (2×)"
    assert factors[0].contribution > 0


def hand_made_model(weights: dict[str, float], means: dict[str, float]) -> Model:
    return Model(
        features=tuple(weights),
        weights=tuple(weights.values()),
        means=tuple(means[name] for name in weights),
        bias=-2.0,
        trained_at=START,
        rows=1000,
        positives=100,
        score_sample=(0.05, 0.1, 0.2, 0.4),
    )


def test_missing_a_driver_is_a_negative_factor():
    model = hand_made_model({"name:add_to_cart": 2.0}, {"name:add_to_cart": 0.5})

    assert model.predict({}).factors == [
        Factor("name:add_to_cart", "has not added an item to the cart", -1.0),
    ]


def test_one_hot_columns_explain_as_one_factor():
    model = hand_made_model(
        {"device:mobile": 0.4, "device:desktop": -0.4},
        {"device:mobile": 0.5, "device:desktop": 0.5},
    )

    factors = model.predict({"device:mobile": 1.0}).factors

    assert factors == [Factor("device", "on a mobile device", 0.4)]


def test_at_most_three_factors_strongest_first():
    weights = {"pageviews": 0.5, "searches": -1.0, "name:add_to_cart": 2.0, "segment:vip": 0.3}
    model = hand_made_model(weights, dict.fromkeys(weights, 0.0))

    factors = model.predict(dict.fromkeys(weights, 1.0)).factors

    assert [factor.feature for factor in factors] == ["name:add_to_cart", "searches", "pageviews"]


def test_negligible_contributions_are_not_factors():
    model = hand_made_model({"pageviews": 0.01}, {"pageviews": 0.0})

    assert model.predict({"pageviews": 1.0}).factors == []
