"""Damped Newton's method, shared by the logistic fit and its calibration."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def damped_newton(
    theta: np.ndarray,
    loss: Callable[[np.ndarray], float],
    newton_step: Callable[[np.ndarray], np.ndarray],
    *,
    max_steps: int,
    smallest_fraction: float,
    converged_step: float,
) -> np.ndarray:
    """The parameters that minimise `loss`, from `theta`. Each Newton step is halved while
    it overshoots (down to `smallest_fraction` of it): a full step can diverge on
    separable data or on scores far apart, and fly off to absurd weights."""
    current = loss(theta)
    for _ in range(max_steps):
        step = newton_step(theta)
        fraction = 1.0
        while True:
            candidate = theta - fraction * step
            candidate_loss = loss(candidate)
            if candidate_loss <= current or fraction < smallest_fraction:
                break
            fraction /= 2
        theta, current = candidate, candidate_loss
        if np.max(np.abs(fraction * step)) < converged_step:
            break
    return theta


def sigmoids(scores: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -scores))
