"""A trained logistic outcome model: scoring, explanations and its stored document."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from heapq import nlargest
from typing import Any

from prediction.calibration import Platt
from prediction.categories import CategoryRates
from prediction.features import FEATURE_SET, driver_of
from prediction.labels import describe
from prediction.result import MODEL_SOURCE, Factor, Prediction

MAX_FACTORS = 3
# Below this many log-odds a property barely moves the bar; naming it would be noise.
MIN_FACTOR_CONTRIBUTION = 0.05


@dataclass(frozen=True, slots=True)
class Model:
    """Logistic regression over raw (unscaled) named features."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    means: tuple[float, ...]
    bias: float
    trained_at: datetime
    rows: int
    positives: int
    score_sample: tuple[float, ...]  # sorted probabilities of training rows
    calibration: Platt = Platt()
    evaluation: Mapping[str, Any] | None = None
    """How it did on the latest sessions, held out from its training (training.Evaluation)."""
    categories: CategoryRates = field(default_factory=CategoryRates)
    """How often each category sells, read as the feature categories.CATEGORY_SELLS."""
    _weight_of: dict[str, float] = field(init=False, repr=False, compare=False)
    _terms: tuple[tuple[str, float, float, str], ...] = field(init=False, repr=False, compare=False)

    kind = MODEL_SOURCE

    def __post_init__(self) -> None:
        object.__setattr__(self, "_weight_of", dict(zip(self.features, self.weights, strict=True)))
        terms = tuple(
            (name, weight, mean, driver_of(name))
            for name, weight, mean in zip(self.features, self.weights, self.means, strict=True)
        )
        object.__setattr__(self, "_terms", terms)

    def score(self, features: Mapping[str, float]) -> float:
        """Uncalibrated log-odds."""
        return self._score(self.categories.applied(features))

    def _score(self, features: Mapping[str, float]) -> float:
        # Plain Python on purpose: a session has a dozen non-zero features, far too few
        # for numpy's per-call overhead to pay off.
        score = self.bias
        weight_of = self._weight_of
        for name, value in features.items():
            weight = weight_of.get(name)
            if weight is not None:
                score += weight * value
        return score

    def predict(self, features: Mapping[str, float]) -> Prediction:
        features = self.categories.applied(features)
        probability = self.calibration.probability(self._score(features))
        return Prediction(probability, quantile_of(self.score_sample, probability), self._factors(features),
                          MODEL_SOURCE)

    def _factors(self, features: Mapping[str, float]) -> list[Factor]:
        # Contributions are measured from the training mean, so a factor says how this
        # session differs from a typical one, not how far it is from an all-zero session.
        by_driver: dict[str, float] = {}
        for name, weight, mean, driver in self._terms:
            contribution = weight * (features.get(name, 0.0) - mean)
            by_driver[driver] = by_driver.get(driver, 0.0) + contribution
        return strongest_factors(by_driver, features, self.calibration.slope)

    def to_document(self) -> dict:
        return {
            "model": MODEL_SOURCE,
            "features": list(self.features),
            "weights": list(self.weights),
            "means": list(self.means),
            "bias": self.bias,
            **common_document(self),
        }

    @classmethod
    def from_document(cls, document: Mapping) -> Model:
        if document.get("model") != MODEL_SOURCE:
            raise ValueError(f"not a {MODEL_SOURCE} document: {document.get('model')!r}")
        return cls(
            features=tuple(document["features"]),
            weights=tuple(float(w) for w in document["weights"]),
            means=tuple(float(m) for m in document["means"]),
            bias=float(document["bias"]),
            **common_fields(document),
        )


def quantile_of(score_sample: tuple[float, ...], probability: float) -> float:
    return bisect_left(score_sample, probability) / len(score_sample)


def strongest_factors(by_driver: Mapping[str, float], features: Mapping[str, float], scale: float) -> list[Factor]:
    """The few drivers that moved the score most, in calibrated log-odds (`scale` is the
    calibration's slope), leaving out those too small to matter."""
    strongest = nlargest(MAX_FACTORS, by_driver.items(), key=lambda item: abs(item[1]))
    return [
        Factor(driver, describe(driver, features), scale * contribution)
        for driver, contribution in strongest
        if abs(scale * contribution) >= MIN_FACTOR_CONTRIBUTION
    ]


def common_document(model: Any) -> dict[str, Any]:
    """The parts every kind of model stores alike."""
    return {
        "featureSet": FEATURE_SET,
        "trainedAt": model.trained_at.isoformat(),
        "rows": model.rows,
        "positives": model.positives,
        "scoreSample": list(model.score_sample),
        "calibration": model.calibration.to_document(),
        "evaluation": dict(model.evaluation) if model.evaluation is not None else None,
        "categories": model.categories.to_document(),
    }


def common_fields(document: Mapping) -> dict[str, Any]:
    """ValueError for a model trained on another feature set (models stored before sets
    were recorded were trained on the first)."""
    trained_on = document.get("featureSet", 1)
    if trained_on != FEATURE_SET:
        raise ValueError(f"trained on feature set {trained_on!r}, this version computes set {FEATURE_SET}")
    return {
        "trained_at": datetime.fromisoformat(document["trainedAt"]),
        "rows": int(document["rows"]),
        "positives": int(document["positives"]),
        "score_sample": tuple(float(s) for s in document["scoreSample"]),
        "calibration": Platt.from_document(document.get("calibration")),
        "evaluation": document.get("evaluation"),
        "categories": CategoryRates.from_document(document.get("categories")),
    }
