import random

import pytest

from prediction.metrics import brier, pr_auc, reliability, roc_auc, session_bootstrap_aucs


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


def test_session_bootstrap_draws_whole_sessions():
    # A session that bought, scored high then low, and one that did not, scored in between:
    # any draw of whole sessions with both ranks half of the pairs right. Rows drawn one by
    # one would also give resamples with only the high (AUC 1) or only the low row (AUC 0).
    scores = [0.9, 0.1, 0.5, 0.5]
    labels = [True, True, False, False]

    aucs = session_bootstrap_aucs(scores, labels, [2, 2], rounds=50)

    assert len(aucs) > 0
    assert set(aucs.tolist()) == {0.5}


def test_session_bootstrap_spread_narrows_with_more_sessions_and_pairs_by_seed():
    rng = random.Random(3)
    sessions = [(rng.random() < 0.2, rng.randint(1, 6)) for _ in range(2000)]
    labels = [achieved for achieved, size in sessions for _ in range(size)]
    scores = [rng.random() + 0.3 * achieved for achieved in labels]
    sizes = [size for _, size in sessions]

    many = session_bootstrap_aucs(scores, labels, sizes, rounds=100)
    few = session_bootstrap_aucs(scores[:sum(sizes[:100])], labels[:sum(sizes[:100])], sizes[:100], rounds=100)
    again = session_bootstrap_aucs(scores, labels, sizes, rounds=100)

    assert many.mean() == pytest.approx(roc_auc(scores, labels), abs=0.01)
    assert many.std() < few.std()
    assert (many == again).all()  # the same sessions drawn: differences of two models pair up


def test_session_bootstrap_needs_sizes_that_cover_the_rows():
    with pytest.raises(ValueError, match="session_sizes"):
        session_bootstrap_aucs([0.1, 0.2, 0.3], [True, False, True], [1, 1])
