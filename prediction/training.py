"""Fitting an outcome model on labelled feature rows."""

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from prediction.model import Model
from prediction.newton import damped_newton, sigmoids
from prediction.state import CATEGORY_CODE, CATEGORY_EVENTS_PREFIX

MAX_FEATURES = 128
SCORE_SAMPLE_SIZE = 1000
MIN_FEATURE_ROWS = 20
_MAX_NEWTON_STEPS = 50
_CONVERGED_STEP = 1e-7

Row = tuple[Mapping[str, float], bool]


def train(
    rows: Sequence[Row],
    *,
    min_positives: int = 20,
    min_rows: int = 200,
    min_feature_rows: int = MIN_FEATURE_ROWS,
    l2: float = 1.0,
    trained_at: datetime | None = None,
    row_weights: Sequence[float] | None = None,
) -> Model | None:
    """Fit an L2-regularised, class-balanced logistic regression.

    Returns None while history is too thin: fewer than `min_rows` rows, or fewer than
    `min_positives` rows in either class. Only features non-zero in at least
    `min_feature_rows` rows are used, so rare event names and segments stay out.
    `l2` weighs the squared weights of standardised features against the summed log
    loss, so its pull fades as history grows. `row_weights` (default: all alike) weigh
    the rows within their class, e.g. so a long session counts for less than all its
    prefixes would.
    """
    if l2 <= 0:
        raise ValueError("l2 must be positive: without it separable data has no finite fit")
    labels = np.fromiter((achieved for _, achieved in rows), dtype=bool, count=len(rows))
    positives = int(labels.sum())
    if len(rows) < min_rows or min(positives, len(rows) - positives) < min_positives:
        return None

    names = vocabulary(rows, min_feature_rows)
    x = design_matrix(rows, names)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    varying = scales > 0
    names = [name for name, keep in zip(names, varying, strict=True) if keep]
    x, means, scales = x[:, varying], means[varying], scales[varying]

    # Balanced class weights keep the minority class from being regularised away;
    # the bias shift afterwards turns the balanced odds back into real probabilities.
    # The weights add up to the number of rows, so l2 pulls as hard as without them.
    y = labels.astype(np.float64)
    weighed = np.ones(len(rows)) if row_weights is None else np.asarray(row_weights, dtype=np.float64)
    if weighed.shape != (len(rows),) or not np.all(weighed > 0):
        raise ValueError("row_weights must hold one positive weight per row")
    positive_weight = len(rows) / (2 * float(weighed[labels].sum()))
    negative_weight = len(rows) / (2 * float(weighed[~labels].sum()))
    sample_weights = weighed * np.where(labels, positive_weight, negative_weight)

    standardised_weights, standardised_bias = _fit_logistic(
        (x - means) / scales, y, sample_weights, l2
    )
    weights = standardised_weights / scales
    bias = standardised_bias - float(weights @ means) - math.log(positive_weight / negative_weight)

    scores = np.sort(sigmoids(x @ weights + bias))
    picks = np.linspace(0, len(scores) - 1, min(SCORE_SAMPLE_SIZE, len(scores))).round().astype(int)
    return Model(
        features=tuple(names),
        weights=tuple(weights.tolist()),
        means=tuple(means.tolist()),
        bias=bias,
        trained_at=trained_at or datetime.now(UTC),
        rows=len(rows),
        positives=positives,
        score_sample=tuple(scores[picks].tolist()),
    )


def vocabulary(rows: Sequence[Row], min_feature_rows: int) -> list[str]:
    support = Counter(
        name for features, _ in rows for name, value in features.items()
        if value and name != CATEGORY_CODE and not name.startswith(CATEGORY_EVENTS_PREFIX))
    return sorted(
        name for name, count in support.most_common(MAX_FEATURES) if count >= min_feature_rows
    )


def design_matrix(rows: Sequence[Row], names: list[str]) -> np.ndarray:
    column_of = {name: column for column, name in enumerate(names)}
    row_ids: list[int] = []
    column_ids: list[int] = []
    values: list[float] = []
    for row_id, (features, _) in enumerate(rows):
        for name, value in features.items():
            column = column_of.get(name)
            if column is not None:
                row_ids.append(row_id)
                column_ids.append(column)
                values.append(value)
    x = np.zeros((len(rows), len(names)))
    x[row_ids, column_ids] = values
    return x


def _fit_logistic(
    x: np.ndarray, y: np.ndarray, sample_weights: np.ndarray, l2: float
) -> tuple[np.ndarray, float]:
    """Damped Newton's method; a few dozen features make the Hessian solve trivial."""
    design = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    theta = np.zeros(design.shape[1])

    def loss(candidate: np.ndarray) -> float:
        scores = design @ candidate
        log_loss = np.logaddexp(0.0, scores) - y * scores
        return float(sample_weights @ log_loss + 0.5 * penalty @ (candidate * candidate))

    def newton_step(theta: np.ndarray) -> np.ndarray:
        probabilities = sigmoids(design @ theta)
        gradient = design.T @ (sample_weights * (probabilities - y)) + penalty * theta
        curvature = sample_weights * probabilities * (1.0 - probabilities)
        hessian = (design.T * curvature) @ design + np.diag(penalty)
        return np.linalg.solve(hessian, gradient)

    theta = damped_newton(
        theta, loss, newton_step,
        max_steps=_MAX_NEWTON_STEPS, smallest_fraction=1e-4, converged_step=_CONVERGED_STEP,
    )
    return theta[:-1], float(theta[-1])
