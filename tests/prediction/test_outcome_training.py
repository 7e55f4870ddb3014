import pytest

from prediction import roc_auc, train, training_rows
from tests.prediction.outcome_synthetic import shop_journeys

pytestmark = pytest.mark.slow  # trains models

OUTCOME = ["purchase"]


def shop_rows(count, seed):
    return training_rows(shop_journeys(count, seed), OUTCOME)


def test_too_few_rows_gives_no_model():
    rows = [({"pageviews": 1.0}, index % 2 == 0) for index in range(199)]

    assert train(rows, min_rows=200) is None


def test_too_few_positives_gives_no_model():
    rows = [({"pageviews": 1.0}, index < 19) for index in range(1000)]

    assert train(rows, min_positives=20) is None


def test_learns_that_cart_adds_lead_to_purchases():
    model = train(shop_rows(3000, seed=1))

    weights = dict(zip(model.features, model.weights, strict=True))
    assert weights["name:add_to_cart"] > 1.0


def test_ranks_held_out_sessions_well():
    model = train(shop_rows(3000, seed=1))
    held_out = shop_rows(1500, seed=2)

    scores = [model.predict(features).probability for features, _ in held_out]

    assert roc_auc(scores, [achieved for _, achieved in held_out]) > 0.8


def test_probabilities_match_the_base_rate_despite_class_weighting():
    rows = shop_rows(3000, seed=1)
    model = train(rows)

    mean_probability = sum(model.predict(features).probability for features, _ in rows) / len(rows)

    assert abs(mean_probability - model.positives / model.rows) < 0.02


def test_rare_features_are_left_out():
    rows = shop_rows(3000, seed=1)
    rows[:5] = [({**features, "segment:rare": 1.0}, achieved) for features, achieved in rows[:5]]

    model = train(rows, min_feature_rows=20)

    assert "segment:rare" not in model.features


def test_keeps_a_sorted_bounded_sample_of_training_scores():
    model = train(shop_rows(3000, seed=1))

    assert len(model.score_sample) == 1000
    assert list(model.score_sample) == sorted(model.score_sample)


def test_rows_that_weigh_little_teach_little():
    rows = shop_rows(3000, seed=1)
    # A flag on 100 sessions' rows that all bought: taken at face value, a strong sign.
    flagged = [number for number, (_, achieved) in enumerate(rows) if achieved][:100]
    for number in flagged:
        rows[number] = ({**rows[number][0], "segment:flagged": 1.0}, True)

    def flag_weight(model):
        return dict(zip(model.features, model.weights, strict=True))["segment:flagged"]

    light = [0.05 if number in set(flagged) else 1.0 for number in range(len(rows))]
    assert 0 < flag_weight(train(rows, row_weights=light)) < 0.8 * flag_weight(train(rows))


def test_row_weights_must_fit_the_rows():
    rows = shop_rows(300, seed=1)

    with pytest.raises(ValueError, match="row_weights"):
        train(rows, row_weights=[1.0] * (len(rows) - 1))
    with pytest.raises(ValueError, match="row_weights"):
        train(rows, row_weights=[0.0] * len(rows))
