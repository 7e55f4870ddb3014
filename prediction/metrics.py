"""Offline evaluation of outcome scores."""

import numpy as np
from numpy.typing import ArrayLike


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
