import random

import pytest

from prediction.metrics import brier, pr_auc, reliability, roc_auc


def pairwise_auc(scores, labels):
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def test_perfect_ranking_scores_one():
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 1.0


def test_reversed_ranking_scores_zero():
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [False, False, True, True]) == 0.0


def test_all_tied_scores_give_one_half():
    assert roc_auc([1, 1, 1, 1], [False, True, False, True]) == 0.5


def test_matches_counting_ordered_pairs_with_ties():
    rng = random.Random(7)
    scores = [rng.randint(0, 5) for _ in range(300)]
    labels = [rng.random() < 0.3 for _ in range(300)]

    assert roc_auc(scores, labels) == pytest.approx(pairwise_auc(scores, labels))


def test_needs_both_classes():
    with pytest.raises(ValueError):
        roc_auc([0.1, 0.2], [True, True])


def test_pr_auc_is_one_for_a_perfect_ranking_and_the_positive_rate_when_all_tie():
    labels = [False, True, False, False, True]

    assert pr_auc([0.1, 0.9, 0.2, 0.3, 0.8], labels) == 1.0
    assert pr_auc([0.5] * 5, labels) == pytest.approx(0.4)


def test_pr_auc_averages_precision_at_each_positive():
    # Ranked: T F T F -> precision 1 at the first positive, 2/3 at the second.
    assert pr_auc([4, 3, 2, 1], [True, False, True, False]) == pytest.approx((1 + 2 / 3) / 2)


def test_brier_is_the_mean_squared_error_of_probabilities():
    assert brier([1.0, 0.0, 0.5], [True, False, True]) == pytest.approx(0.25 / 3)


def test_reliability_bins_compare_what_was_said_with_what_happened():
    table = reliability([0.05, 0.05, 0.95, 0.95], [False, False, True, False])

    assert [(b.low, b.count, b.predicted, b.observed) for b in table] == [(0.0, 2, 0.05, 0.0), (0.9, 2, 0.95, 0.5)]
