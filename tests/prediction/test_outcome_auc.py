import random

import pytest

from prediction import roc_auc


def pairwise_auc(scores, labels):
    positives = [s for s, y in zip(scores, labels) if y]
    negatives = [s for s, y in zip(scores, labels) if not y]
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
