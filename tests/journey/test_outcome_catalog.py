from datetime import UTC, datetime

import pytest

from journey.outcomes.catalog import Catalog
from journey.outcomes.definitions import Outcome
from prediction import SessionRows, select_model, training_rows
from tests.prediction.outcome_synthetic import shop_journeys

pytestmark = pytest.mark.slow  # trains models on a synthetic shop

NOW = datetime(2025, 3, 9, tzinfo=UTC)


def stored_model(fallback_knows_the_answer: bool) -> dict:
    sessions = [
        SessionRows(60.0 * number, [(f, y, float(y) if fallback_knows_the_answer else 0.0)
                                    for f, y in training_rows([journey], ["purchase"])])
        for number, journey in enumerate(shop_journeys(400, seed=6))
    ]
    selection = select_model(sessions, trained_at=NOW, min_rows=200, min_positives=20)
    return {"_id": "o1", "revision": 1, "model": selection.model.to_document()}


def catalog(model_doc: dict) -> Catalog:
    outcome = Outcome(id="o1", name="Purchase", description="", positive=True, active=True,
                      conditions=({"field": "eventName", "operator": "EQUAL", "values": ["purchase"]},),
                      revision=1, created_at=NOW, updated_at=NOW)
    return Catalog(1, [outcome], [model_doc])


def test_a_model_that_beat_the_fallback_scores_the_outcome():
    loaded = catalog(stored_model(fallback_knows_the_answer=False))

    assert "o1" in loaded.models and "o1" in loaded.trained


def test_a_model_that_did_not_beat_the_fallback_is_shown_but_does_not_score():
    loaded = catalog(stored_model(fallback_knows_the_answer=True))

    assert "o1" not in loaded.models
    assert loaded.trained["o1"].evaluation["used"] is False


@pytest.mark.parametrize("trained_on", [None, 1], ids=["stored before sets were recorded", "an older set"])
def test_a_model_trained_on_other_features_does_not_score_until_trained_again(trained_on):
    current = stored_model(fallback_knows_the_answer=False)
    older = {**current, "model": {**current["model"]}}
    if trained_on is None:
        del older["model"]["featureSet"]
    else:
        older["model"]["featureSet"] = trained_on

    assert "o1" in catalog(current).models  # the same model, on today's features, scores
    assert "o1" not in catalog(older).models and "o1" not in catalog(older).trained
