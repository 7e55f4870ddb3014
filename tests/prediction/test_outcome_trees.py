import json
import math
from datetime import UTC, datetime

import numpy as np
import pytest

from prediction import TreeModel, model_from_document, training_rows
from prediction import trees as trees_module
from prediction.calibration import Platt
from prediction.training import design_matrix, vocabulary
from prediction.trees import fit_trees
from tests.prediction.outcome_synthetic import shop_journeys
from tests.prediction.test_outcome_model import session_features

pytestmark = pytest.mark.slow  # trains gradient-boosted trees


@pytest.fixture(scope="module")
def model():
    rows = training_rows(shop_journeys(3000, seed=1), ["purchase"])
    names = vocabulary(rows, 20)
    trees, baseline = fit_trees(design_matrix(rows, names), np.array([y for _, y in rows]), names)
    return TreeModel(features=tuple(names), trees=trees, baseline=baseline, trained_at=datetime.now(UTC),
                     rows=len(rows), positives=sum(y for _, y in rows), score_sample=(0.1, 0.5, 0.9))


@pytest.mark.parametrize("leaves", [2, 8])
def test_scores_as_scikit_learn_does(leaves, monkeypatch):
    # Stumps are fitted today; deeper trees, as earlier models hold, are scored alike.
    monkeypatch.setattr(trees_module, "MAX_LEAVES", leaves)
    rows = training_rows(shop_journeys(800, seed=4), ["purchase"])
    names = vocabulary(rows, 20)
    x = design_matrix(rows, names)
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        reference = HistGradientBoostingClassifier(
            max_iter=trees_module.MAX_TREES, max_leaf_nodes=trees_module.MAX_LEAVES,
            learning_rate=trees_module.LEARNING_RATE, min_samples_leaf=trees_module.MIN_ROWS_PER_LEAF,
            l2_regularization=trees_module.L2, early_stopping=False, random_state=0).fit(x, [y for _, y in rows])
    trees, baseline = fit_trees(x, np.array([y for _, y in rows]), names)
    ours = TreeModel(features=tuple(names), trees=trees, baseline=baseline, trained_at=datetime.now(UTC),
                     rows=len(rows), positives=1, score_sample=(0.5,))

    assert [ours.score(features) for features, _ in rows[:50]] == pytest.approx(
        reference.decision_function(x[:50]).tolist())


def test_contributions_add_up_from_a_typical_session_to_the_score(model):
    features = session_features(cart_adds=2, pageviews=4)
    slope = 1.7
    calibrated = TreeModel(**{**{f: getattr(model, f) for f in ("features", "trees", "baseline", "trained_at",
                                                                  "rows", "positives", "score_sample")},
                              "calibration": Platt(slope, -0.3)})
    prediction = calibrated.predict(features)
    typical = model.baseline + sum(tree.expected[0] for tree in model.trees)

    assert prediction.probability == pytest.approx(1 / (1 + math.exp(-(slope * model.score(features) - 0.3))))
    explained = sum(factor.contribution for factor in prediction.factors)
    # Every factor here is a real mover; the ones left out are below the noise floor.
    assert explained == pytest.approx(slope * (model.score(features) - typical), abs=0.15)


def test_the_cart_is_the_factor_that_raises_the_score(model):
    carted = model.predict(session_features(cart_adds=1))
    browsing = model.predict(session_features(cart_adds=0))

    assert carted.probability > 3 * browsing.probability
    assert carted.factors[0].feature == "name:add_to_cart"
    assert carted.factors[0].contribution > 0
    [no_cart] = [factor for factor in browsing.factors if factor.feature == "name:add_to_cart"]
    assert no_cart.label == "has not added an item to the cart" and no_cart.contribution < 0


def test_document_round_trip_through_json_predicts_identically(model):
    restored = model_from_document(json.loads(json.dumps(model.to_document())))

    assert isinstance(restored, TreeModel)
    for features, _ in training_rows(shop_journeys(100, seed=3), ["purchase"]):
        assert restored.predict(features) == model.predict(features)


def test_a_document_of_an_unknown_kind_is_refused(model):
    with pytest.raises(ValueError):
        model_from_document({**model.to_document(), "model": "forest-v9"})
