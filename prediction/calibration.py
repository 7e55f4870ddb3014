"""Platt scaling: a model's raw log-odds turned into probabilities that mean what they say.

Fitted on sessions the model did not learn from, so a model that is overconfident on its
own training sessions is pulled back to the rate at which new sessions achieve the outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from prediction.newton import damped_newton, sigmoids

_NEWTON_STEPS = 50


@dataclass(frozen=True, slots=True)
class Platt:
    slope: float = 1.0
    intercept: float = 0.0

    def probability(self, score: float) -> float:
        return sigmoid(self.slope * score + self.intercept)

    def to_document(self) -> list[float]:
        return [self.slope, self.intercept]

    @classmethod
    def from_document(cls, document: list[float] | None) -> Platt:
        if not document:
            return cls()
        slope, intercept = document
        return cls(float(slope), float(intercept))


def fit_platt(scores: ArrayLike, labels: ArrayLike) -> Platt:
    """Platt's fit, with his smoothed targets so a small held-out set cannot push the
    probabilities all the way to 0 or 1."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    targets = np.where(labels, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    design = np.column_stack([scores, np.ones_like(scores)])
    theta = np.array([1.0, 0.0])

    def loss(candidate: np.ndarray) -> float:
        scores = design @ candidate
        return float(np.sum(np.logaddexp(0.0, scores) - targets * scores))

    def newton_step(theta: np.ndarray) -> np.ndarray:
        probabilities = sigmoids(design @ theta)
        gradient = design.T @ (probabilities - targets)
        hessian = (design.T * (probabilities * (1 - probabilities))) @ design + 1e-9 * np.eye(2)
        return np.linalg.solve(hessian, gradient)

    # Damped: where the scores are far apart (a group the model puts near 0), a full
    # Newton step can fly off to an absurd slope.
    theta = damped_newton(
        theta, loss, newton_step, max_steps=_NEWTON_STEPS, smallest_fraction=1e-6, converged_step=1e-9
    )
    # A slope below zero would turn the ranking upside down: keep the model's order.
    slope = max(float(theta[0]), 0.0)
    if slope == 0.0:
        rate = float(targets.mean())
        return Platt(0.0, math.log(rate / (1 - rate)))
    return Platt(slope, float(theta[1]))


def sigmoid(score: float) -> float:
    if score >= 0:
        return 1.0 / (1.0 + math.exp(-score))
    odds = math.exp(score)
    return odds / (1.0 + odds)
