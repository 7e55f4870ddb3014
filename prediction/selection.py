"""Choosing an outcome's model honestly: fit on older sessions, calibrate and choose on
the next ones, and judge on the latest ones, which neither the fit nor the choice saw.

Sessions are split by when they ended, as the model will be used: trained on the past,
scoring sessions that come after. Logistic regression and boosted trees are both fitted;
the trees are kept only if they rank the calibration sessions clearly better
(CHOICE_MARGIN), else the logistic model is. The one kept is then compared with the
fallback on the latest sessions, and used only if it ranks them better. The model that
scores is that kind fitted again on every session, the latest included, with the chosen
one's calibration; its evaluation is the chosen one's, on sessions it had not seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np

from prediction.calibration import fit_platt
from prediction.categories import CategoryCounts, CategoryRates, out_of_fold
from prediction.metrics import brier, pr_auc, reliability, roc_auc
from prediction.model import Model
from prediction.result import MODEL_SOURCE, TREES_SOURCE
from prediction.training import MIN_FEATURE_ROWS, SCORE_SAMPLE_SIZE, design_matrix, train, vocabulary
from prediction.trees import TreeModel, fit_trees

FIT_SHARE = 0.6
CALIBRATION_SHARE = 0.2
"""The rest, the latest sessions, is the holdout."""
KINDS = (MODEL_SOURCE, TREES_SOURCE)
CHANCE = 0.5
CHOICE_MARGIN = 0.01
"""How much better (in AUC on the calibration sessions) a later, less simple kind must
rank than the simplest one for it to be chosen. Two kinds that rank the calibration
sessions alike are a toss-up there, and on shops' clickstreams the trees' near-ties
ranked the following weeks worse than logistic regression did (on the Taobao sample
split at 70% of its sessions: trees chosen by 0.003, AUC 0.648 on the later sessions
against the logistic model's 0.671)."""

Row = tuple[dict[str, float], bool, float]
"""A prefix's features, whether its session achieved the outcome, the fallback's score."""


@dataclass(frozen=True, slots=True)
class SessionRows:
    ended_at: float
    rows: Sequence[Row]
    categories: CategoryCounts = field(default_factory=CategoryCounts)
    """Its events per category and where it achieved the outcome: what the model learns
    of categories (prediction.categories), from sessions with no rows too."""


@dataclass(frozen=True, slots=True)
class Selection:
    model: Model | TreeModel | None
    """The chosen model, with its evaluation; None when there was too little history."""
    used: bool
    reason: str | None
    """Why no model was trained, or why the one trained is not used."""


@dataclass(frozen=True, slots=True)
class _Split:
    """The rows of the sessions by when they ended: the oldest to fit on, the next to
    calibrate and choose on, the latest (the holdout) to judge on."""

    sessions: int
    fit: list[Row]
    fit_weights: list[float]
    """Each fitted row's weight (see session_weight)."""
    calibration: list[Row]
    holdout: list[Row]
    holdout_sessions: int
    categories: CategoryRates
    """How often each category sold in the sessions fitted on, and the ones with no rows
    that ended by then."""


def select_model(
    sessions: Sequence[SessionRows], *, trained_at: datetime, min_rows: int, min_positives: int,
    kinds: Sequence[str] = KINDS,
) -> Selection:
    every_row = [row for session in sessions for row in session.rows]
    positives = sum(achieved for _, achieved, _ in every_row)
    shortage = _too_few_rows(every_row, positives, min_rows=min_rows, min_positives=min_positives)
    if shortage is not None:
        return Selection(None, False, shortage)
    split = _split(sessions)
    shortage = _one_sided(split)
    if shortage is not None:
        return Selection(None, False, shortage)
    candidates = [_calibrated(kind, split, trained_at) for kind in kinds]
    chosen = _chosen(candidates)
    deployed = _refitted(chosen, sessions, trained_at)
    return _judged(chosen, deployed, [model for _, model in candidates], split, every_row, positives)


def _chosen(candidates: Sequence[tuple[float, Model | TreeModel]]) -> Model | TreeModel:
    """The first (simplest) kind, unless another ranks the calibration sessions better by
    more than CHOICE_MARGIN: then the best of those."""
    simplest_auc, chosen = candidates[0]
    best_auc = simplest_auc + CHOICE_MARGIN
    for auc, model in candidates[1:]:
        if auc > best_auc:
            best_auc, chosen = auc, model
    return chosen


def _too_few_rows(rows: list[Row], positives: int, *, min_rows: int, min_positives: int) -> str | None:
    if len(rows) < min_rows or min(positives, len(rows) - positives) < min_positives:
        return (
            f"not enough history: {len(rows)} session prefixes, {positives} of sessions that achieved "
            f"it; a model needs {min_rows}, with {min_positives} of each kind")
    return None


def _split(sessions: Sequence[SessionRows]) -> _Split:
    ordered = sorted((session for session in sessions if session.rows), key=lambda session: session.ended_at)
    fit_end = round(len(ordered) * FIT_SHARE)
    calibration_end = round(len(ordered) * (FIT_SHARE + CALIBRATION_SHARE))
    parts = [ordered[:fit_end], ordered[fit_end:calibration_end], ordered[calibration_end:]]
    calibration_rows, holdout_rows = ([row for session in part for row in session.rows] for part in parts[1:])
    fit_rows, fit_weights, categories = _fitted_rows(parts[0], sessions)
    return _Split(len(ordered), fit_rows, fit_weights, calibration_rows, holdout_rows,
                  holdout_sessions=len(parts[2]), categories=categories)


def session_weight(prefixes: int) -> float:
    """The weight of each of a session's `prefixes` rows in a fit: a session of n rows
    weighs sqrt(n) rows. Long sessions still teach more than short ones, as they hold
    more moments to score, without a few of them outweighing all the short ones."""
    return prefixes ** -0.5


def _fitted_rows(
    fitted: Sequence[SessionRows], sessions: Sequence[SessionRows],
) -> tuple[list[Row], list[float], CategoryRates]:
    """The rows of the sessions to fit on, each with how often its category sells, their
    weights, and the rates of those sessions and of the ones without rows that ended by then."""
    fitted_until = fitted[-1].ended_at if fitted else float("-inf")
    without_rows = [session for session in sessions if not session.rows and session.ended_at <= fitted_until]
    every = [*fitted, *without_rows]
    rates_of, categories = out_of_fold([session.categories for session in every])
    rows = [
        (dict(rates.applied(features)), achieved, fallback)
        for session, rates in zip(fitted, rates_of[:len(fitted)], strict=True)
        for features, achieved, fallback in session.rows
    ]
    weights = [session_weight(len(session.rows)) for session in fitted for _ in session.rows]
    return rows, weights, categories


def _one_sided(split: _Split) -> str | None:
    """Why the split cannot teach or judge: a part lacks sessions that achieved the outcome, or that did not."""
    for name, part in (("fit", split.fit), ("calibration", split.calibration), ("latest", split.holdout)):
        if len({achieved for _, achieved, _ in part}) < 2:
            return (
                f"not enough history: the {name} sessions ({len(part)} prefixes) need both sessions that "
                "achieved it and sessions that did not")
    return None


def _calibrated(kind: str, split: _Split, trained_at: datetime) -> tuple[float, Model | TreeModel]:
    """A model of the kind fitted and calibrated, with how well it ranks the calibration sessions."""
    model = replace(_fit(kind, split.fit, split.fit_weights, trained_at), categories=split.categories)
    calibration_scores = [model.score(features) for features, _, _ in split.calibration]
    calibration_labels = [achieved for _, achieved, _ in split.calibration]
    model = replace(model, calibration=fit_platt(calibration_scores, calibration_labels))
    return roc_auc(calibration_scores, calibration_labels), model


def _refitted(chosen: Model | TreeModel, sessions: Sequence[SessionRows], trained_at: datetime) -> Model | TreeModel:
    """The chosen kind fitted again on every session, the latest included, keeping the
    calibration learnt on sessions the chosen model had not seen.

    Shoppers and what sells change from week to week, so the newest sessions teach the
    most about the next ones; holding them out of the model that scores would cost more
    than any choice of kind gains. The same fit on more of the same kind of sessions
    gives scores on the same scale, so the calibration still holds.
    """
    ordered = sorted((session for session in sessions if session.rows), key=lambda session: session.ended_at)
    rows, weights, categories = _fitted_rows(ordered, sessions)
    return replace(_fit(chosen.kind, rows, weights, trained_at), categories=categories,
                   calibration=chosen.calibration)


def _judged(
    chosen: Model | TreeModel, deployed: Model | TreeModel, candidates: list[Model | TreeModel], split: _Split,
    every_row: list[Row], positives: int,
) -> Selection:
    """The chosen model judged against the fallback on the latest sessions; the evaluation
    goes with the model `deployed`, its refit on every session."""
    holdout_rows = split.holdout
    labels = [achieved for _, achieved, _ in holdout_rows]
    fallback_auc = roc_auc([fallback for _, _, fallback in holdout_rows], labels)
    measured = [(model.kind, _measures(model, holdout_rows)) for model in candidates]
    chosen_measures = dict(measured)[chosen.kind]
    # A model must rank better than the fallback, and better than chance: a model whose
    # calibration flattened it says the same to every session.
    used = chosen_measures["auc"] > max(fallback_auc, CHANCE)
    reason = None if used else _why_unused(chosen_measures["auc"], fallback_auc)
    all_scores = np.sort([deployed.predict(features).probability for features, _, _ in every_row])
    picks = np.linspace(0, len(all_scores) - 1, min(SCORE_SAMPLE_SIZE, len(all_scores))).round().astype(int)
    evaluation: dict[str, Any] = {
        "sessions": split.sessions,
        "holdoutSessions": split.holdout_sessions,
        "prefixes": len(holdout_rows),
        "positiveRate": sum(labels) / len(labels),
        **chosen_measures,
        "fallbackAuc": fallback_auc,
        "reliability": [
            {"low": bin.low, "high": bin.high, "count": bin.count, "predicted": bin.predicted,
             "observed": bin.observed}
            for bin in reliability([chosen.predict(features).probability for features, _, _ in holdout_rows], labels)
        ],
        "candidates": [{"kind": kind, **measures} for kind, measures in measured],
        "used": used,
        "reason": reason,
    }
    deployed = replace(deployed, rows=len(every_row), positives=positives,
                       score_sample=tuple(all_scores[picks].tolist()), evaluation=evaluation)
    return Selection(deployed, used, reason)


def _why_unused(auc: float, fallback_auc: float) -> str:
    if fallback_auc >= CHANCE:
        return (f"ranks the latest sessions no better than the fallback (AUC {auc:.3f}, "
                f"fallback {fallback_auc:.3f}): the fallback stays")
    return f"ranks the latest sessions no better than chance (AUC {auc:.3f}): the fallback stays"


def _fit(kind: str, rows: Sequence[Row], weights: Sequence[float], trained_at: datetime) -> Model | TreeModel:
    plain = [(features, achieved) for features, achieved, _ in rows]
    positives = sum(achieved for _, achieved in plain)
    if kind == MODEL_SOURCE:
        model = train(plain, min_rows=0, min_positives=1, trained_at=trained_at, row_weights=weights)
        assert model is not None  # both classes are present
        return model
    names = vocabulary(plain, MIN_FEATURE_ROWS)
    labels = np.array([achieved for _, achieved in plain])
    trees, baseline = fit_trees(design_matrix(plain, names), labels, names, row_weights=weights)
    return TreeModel(features=tuple(names), trees=trees, baseline=baseline, trained_at=trained_at,
                     rows=len(plain), positives=positives, score_sample=(0.0,))


def _measures(model: Model | TreeModel, rows: Sequence[Row]) -> dict[str, float]:
    probabilities = [model.predict(features).probability for features, _, _ in rows]
    labels = [achieved for _, achieved, _ in rows]
    return {"auc": roc_auc(probabilities, labels), "prAuc": pr_auc(probabilities, labels),
            "brier": brier(probabilities, labels)}
