"""Gradient-boosted trees for an outcome: fitted with scikit-learn, stored and scored as
plain lists so scoring needs neither numpy nor scikit-learn per event.

Each prediction is explained by path contributions (Saabas): walking a tree from its
root to the leaf the session reaches, every split moves the expected score from that of
the node to that of the child taken, and the move is credited to the split's feature.
A node's expected score is the mean of the leaves below it, weighted by how many
training rows reached them, so a feature's contributions over all trees say how far it
moved this session's score from a typical training session's, as the logistic model's
factors do. It is the fast approximation of tree SHAP values: exact for one split per
path, as in the stumps fitted here, and order-dependent when several features share a path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from prediction.calibration import Platt
from prediction.categories import CategoryRates
from prediction.features import driver_of
from prediction.model import common_document, common_fields, quantile_of, strongest_factors
from prediction.result import TREES_SOURCE, Prediction

# Stumps, one split each: the sum of a function of each feature. On shops' clickstreams
# deeper trees learnt interactions that did not last into the following weeks (on
# sessions after those fitted, 8-leaf trees ranked worse than stumps by 0.02-0.06 AUC),
# a stump costs one comparison per event, and its path contribution is exact. A leaf
# needs enough rows that one heavy shopper cannot make it.
MAX_TREES = 100
MAX_LEAVES = 2
LEARNING_RATE = 0.1
MIN_ROWS_PER_LEAF = 200
L2 = 1.0

_LEAF = -1


@dataclass(frozen=True, slots=True)
class Tree:
    """Nodes in parallel lists; a leaf has feature -1."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    expected: tuple[float, ...]

    def to_document(self) -> list[list[float]]:
        return [list(self.feature), list(self.threshold), list(self.left), list(self.right), list(self.expected)]

    @classmethod
    def from_document(cls, document: Sequence[Sequence[float]]) -> Tree:
        feature, threshold, left, right, expected = document
        return cls(tuple(map(int, feature)), tuple(map(float, threshold)), tuple(map(int, left)),
                   tuple(map(int, right)), tuple(map(float, expected)))


@dataclass(frozen=True, slots=True)
class TreeModel:
    features: tuple[str, ...]
    trees: tuple[Tree, ...]
    baseline: float
    """The score before any tree: the training rows' log-odds."""
    trained_at: Any
    rows: int
    positives: int
    score_sample: tuple[float, ...]
    calibration: Platt = Platt()
    evaluation: Mapping[str, Any] | None = None
    categories: CategoryRates = field(default_factory=CategoryRates)
    """How often each category sells, read as the feature categories.CATEGORY_SELLS."""
    _drivers: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _typical: float = field(init=False, repr=False, compare=False)

    kind = TREES_SOURCE

    def __post_init__(self) -> None:
        object.__setattr__(self, "_drivers", tuple(driver_of(name) for name in self.features))
        object.__setattr__(self, "_typical", self.baseline + sum(tree.expected[0] for tree in self.trees))

    def _values(self, features: Mapping[str, float]) -> list[float]:
        get = features.get
        return [get(name, 0.0) for name in self.features]

    def score(self, features: Mapping[str, float]) -> float:
        """Uncalibrated log-odds."""
        values = self._values(self.categories.applied(features))
        score = self.baseline
        for tree in self.trees:
            feature, threshold, left, right = tree.feature, tree.threshold, tree.left, tree.right
            node = 0
            while feature[node] != _LEAF:
                node = left[node] if values[feature[node]] <= threshold[node] else right[node]
            score += tree.expected[node]
        return score

    def predict(self, features: Mapping[str, float]) -> Prediction:
        features = self.categories.applied(features)
        values = self._values(features)
        by_feature = [0.0] * len(values)
        score = self._typical
        for tree in self.trees:
            feature, threshold, left, right, expected = (
                tree.feature, tree.threshold, tree.left, tree.right, tree.expected)
            node = 0
            while (split := feature[node]) != _LEAF:
                child = left[node] if values[split] <= threshold[node] else right[node]
                move = expected[child] - expected[node]
                by_feature[split] += move
                score += move
                node = child
        by_driver: dict[str, float] = {}
        for driver, contribution in zip(self._drivers, by_feature, strict=True):
            if contribution:
                by_driver[driver] = by_driver.get(driver, 0.0) + contribution
        probability = self.calibration.probability(score)
        return Prediction(probability, quantile_of(self.score_sample, probability),
                          strongest_factors(by_driver, features, self.calibration.slope), TREES_SOURCE)

    def to_document(self) -> dict:
        return {
            "model": TREES_SOURCE,
            "features": list(self.features),
            "trees": [tree.to_document() for tree in self.trees],
            "baseline": self.baseline,
            **common_document(self),
        }

    @classmethod
    def from_document(cls, document: Mapping) -> TreeModel:
        if document.get("model") != TREES_SOURCE:
            raise ValueError(f"not a {TREES_SOURCE} document: {document.get('model')!r}")
        return cls(
            features=tuple(document["features"]),
            trees=tuple(Tree.from_document(tree) for tree in document["trees"]),
            baseline=float(document["baseline"]),
            **common_fields(document),
        )


def fit_trees(
    x: np.ndarray, labels: np.ndarray, names: Sequence[str], *, seed: int = 0,
    row_weights: Sequence[float] | None = None,
) -> tuple[tuple[Tree, ...], float]:
    """Boosted trees on a dense matrix: the trees as plain lists and the baseline score.
    `row_weights`: how much each row counts (default: all alike)."""
    # Heavy imports, needed only where training runs.
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    classifier = HistGradientBoostingClassifier(
        max_iter=MAX_TREES, max_leaf_nodes=MAX_LEAVES, learning_rate=LEARNING_RATE,
        min_samples_leaf=MIN_ROWS_PER_LEAF, l2_regularization=L2, early_stopping=False, random_state=seed,
    )
    # One thread: the trees are small, and OpenMP threads spinning on cores that ingest
    # is using make a fit ten times slower, not faster.
    with threadpool_limits(1):
        classifier.fit(x, labels, sample_weight=None if row_weights is None else np.asarray(row_weights))
    trees = tuple(_exported(predictor.nodes) for [predictor] in classifier._predictors)
    return trees, float(np.ravel(classifier._baseline_prediction)[0])


def _exported(nodes: np.ndarray) -> Tree:
    """A fitted tree as lists, every node given the expected score of the leaves below it."""
    count = len(nodes)
    feature = [_LEAF if nodes["is_leaf"][n] else int(nodes["feature_idx"][n]) for n in range(count)]
    expected = [float(nodes["value"][n]) for n in range(count)]
    weight = [float(nodes["count"][n]) for n in range(count)]

    def settle(node: int) -> tuple[float, float]:
        if feature[node] == _LEAF:
            return expected[node] * weight[node], weight[node]
        left_sum, left_weight = settle(int(nodes["left"][node]))
        right_sum, right_weight = settle(int(nodes["right"][node]))
        total = left_weight + right_weight
        expected[node] = (left_sum + right_sum) / total if total else 0.0
        return left_sum + right_sum, total

    settle(0)
    return Tree(
        tuple(feature),
        tuple(float(nodes["num_threshold"][n]) for n in range(count)),
        tuple(int(nodes["left"][n]) for n in range(count)),
        tuple(int(nodes["right"][n]) for n in range(count)),
        tuple(expected),
    )
