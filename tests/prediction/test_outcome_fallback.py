import pytest

from prediction import FALLBACK_SOURCE, fallback_progress


def test_progress_follows_the_share_of_conditions_met():
    assert fallback_progress({}, 0.5).probability == pytest.approx(0.35)


def test_pageviews_add_a_small_capped_share():
    assert fallback_progress({"pageviews": 5}, 0.0).probability == pytest.approx(0.075)
    assert fallback_progress({"pageviews": 500}, 0.0).probability == pytest.approx(0.15)


def test_a_cart_add_adds_a_small_share():
    assert fallback_progress({"name:add_to_cart": 2}, 0.0).probability == pytest.approx(0.15)


def test_full_conditions_and_engagement_reach_the_top():
    engaged = {"pageviews": 10, "name:add_to_cart": 1}

    assert fallback_progress(engaged, 1.0).probability == pytest.approx(1.0)


def test_without_a_pattern_only_engagement_counts():
    prediction = fallback_progress({"pageviews": 10}, None)

    assert prediction.probability == pytest.approx(0.15)
    assert [factor.feature for factor in prediction.factors] == ["pageviews"]


def test_condition_progress_outside_zero_to_one_is_clamped():
    assert fallback_progress({}, 1.7).probability == pytest.approx(0.7)
    assert fallback_progress({}, -0.2).probability == 0.0


def test_factors_add_up_to_the_progress_largest_first():
    prediction = fallback_progress({"pageviews": 4, "name:add_to_cart": 1}, 0.5)

    assert [factor.label for factor in prediction.factors] == [
        "50% of the outcome's conditions met",
        "added an item to the cart",
        "4 pages viewed",
    ]
    total = sum(factor.contribution for factor in prediction.factors)
    assert total == pytest.approx(prediction.probability)


def test_is_marked_as_fallback_without_a_quantile():
    prediction = fallback_progress({}, 0.2)

    assert prediction.source == FALLBACK_SOURCE
    assert prediction.quantile is None
