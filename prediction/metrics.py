"""Offline evaluation of outcome scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

RELIABILITY_BINS = 10
BOOTSTRAP_ROUNDS = 300


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Area under the ROC curve by the rank-sum (Mann-Whitney) formula.

    Tied scores share their average rank, so a tie between a positive and a negative
    counts as half a correctly ordered pair.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("ROC AUC needs both positive and negative labels")

    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    # Each run of equal scores gets the mean of the 1-based ranks it spans.
    run_starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    run_ends = np.r_[run_starts[1:], len(scores)]
    run_ranks = (run_starts + 1 + run_ends) / 2.0
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(run_ranks, run_ends - run_starts)

    positive_rank_sum = ranks[labels].sum()
    return float((positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def session_bootstrap_aucs(
    scores: ArrayLike, labels: ArrayLike, session_sizes: Sequence[int], *, rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = 0,
) -> np.ndarray:
    """ROC AUC of `rounds` resamples of the scored sessions, drawn with replacement, whole:
    how far the AUC of as many other sessions like these could lie from this one.

    `scores` and `labels` hold each session's rows in turn, `session_sizes` how many
    rows each session has. Sessions are drawn, not rows, because a session's rows share
    its label and mostly its features: drawing rows would count one session's prefixes
    as independent evidence and make the spread look far narrower than it is. The
    same `seed` draws the same sessions, so two models' arrays subtract into the spread
    of their difference. A resample with only one class is left out.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    sizes = np.asarray(session_sizes, dtype=np.int64)
    if sizes.sum() != len(scores) or len(labels) != len(scores):
        raise ValueError("session_sizes must add up to the number of scores and labels")
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(rounds):
        drawn = rng.integers(0, len(sizes), len(sizes))
        lengths = sizes[drawn]
        # Row k of the resample is row k - (where its session lands) + (where it starts).
        rows = np.arange(lengths.sum()) + np.repeat(starts[drawn] - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
        if labels[rows].all() or not labels[rows].any():
            continue
        aucs.append(roc_auc(scores[rows], labels[rows]))
    return np.array(aucs)


def pr_auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Average precision: the area under the precision-recall curve, stepwise.

    Tied scores are taken as one threshold, so a constant score gets the positive rate.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    positives = int(labels.sum())
    if positives == 0:
        raise ValueError("PR AUC needs positive labels")
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    # The last position of each run of equal scores is one threshold.
    threshold_ends = np.r_[np.flatnonzero(sorted_scores[1:] != sorted_scores[:-1]), len(scores) - 1]
    true_positives = np.cumsum(sorted_labels)[threshold_ends]
    precision = true_positives / (threshold_ends + 1)
    recall_gain = np.diff(np.r_[0, true_positives]) / positives
    return float(np.sum(precision * recall_gain))


def brier(probabilities: ArrayLike, labels: ArrayLike) -> float:
    """Mean squared distance between the probabilities and what happened: lower is better."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    return float(np.mean((probabilities - labels) ** 2))


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """Predictions between `low` and `high`: how many, what they said on average, and
    how often the outcome was then achieved."""

    low: float
    high: float
    count: int
    predicted: float
    observed: float


def reliability(probabilities: ArrayLike, labels: ArrayLike, bins: int = RELIABILITY_BINS) -> list[ReliabilityBin]:
    """Equal-width bins of probability; empty bins are left out."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    index = np.minimum((probabilities * bins).astype(int), bins - 1)
    table = []
    for number in range(bins):
        chosen = index == number
        count = int(chosen.sum())
        if count:
            table.append(ReliabilityBin(
                number / bins, (number + 1) / bins, count,
                float(probabilities[chosen].mean()), float(labels[chosen].mean()),
            ))
    return table
