"""Choosing an outcome's model honestly: fit on older sessions, calibrate and choose on
the next ones, and judge on the latest ones, which neither the fit nor the choice saw.

Sessions are split by when they ended, as the model will be used: trained on the past,
scoring sessions that come after. Logistic regression and boosted trees are both fitted;
the one that ranks the calibration sessions better is kept. It is then compared with the
fallback on the latest sessions, and used only if it ranks them better.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from prediction.calibration import fit_platt
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

Row = tuple[dict[str, float], bool, float]
"""A prefix's features, whether its session achieved the outcome, the fallback's score."""


@dataclass(frozen=True, slots=True)
class SessionRows:
    ended_at: float
    rows: Sequence[Row]


@dataclass(frozen=True, slots=True)
class Selection:
    model: Model | TreeModel | None
    """The chosen model, with its evaluation; None when there was too little history."""
    used: bool
    reason: str | None
    """Why no model was trained, or why the one trained is not used."""


def select_model(
    sessions: Sequence[SessionRows], *, trained_at: datetime, min_rows: int, min_positives: int,
    kinds: Sequence[str] = KINDS,
) -> Selection:
    every_row = [row for session in sessions for row in session.rows]
    positives = sum(achieved for _, achieved, _ in every_row)
    if len(every_row) < min_rows or min(positives, len(every_row) - positives) < min_positives:
        return Selection(None, False, (
            f"not enough history: {len(every_row)} session prefixes, {positives} of sessions that achieved "
            f"it; a model needs {min_rows}, with {min_positives} of each kind"))

    ordered = sorted((session for session in sessions if session.rows), key=lambda session: session.ended_at)
    fit_end = round(len(ordered) * FIT_SHARE)
    calibration_end = round(len(ordered) * (FIT_SHARE + CALIBRATION_SHARE))
    parts = [ordered[:fit_end], ordered[fit_end:calibration_end], ordered[calibration_end:]]
    fit_rows, calibration_rows, holdout_rows = ([row for session in part for row in session.rows] for part in parts)
    for name, part in (("fit", fit_rows), ("calibration", calibration_rows), ("latest", holdout_rows)):
        if len({achieved for _, achieved, _ in part}) < 2:
            return Selection(None, False, (
                f"not enough history: the {name} sessions ({len(part)} prefixes) need both sessions that "
                "achieved it and sessions that did not"))

    candidates = []
    for kind in kinds:
        model = _fit(kind, fit_rows, trained_at)
        calibration_scores = [model.score(features) for features, _, _ in calibration_rows]
        calibration_labels = [achieved for _, achieved, _ in calibration_rows]
        model = replace(model, calibration=fit_platt(calibration_scores, calibration_labels))
        candidates.append((roc_auc(calibration_scores, calibration_labels), model))
    # Ties go to the earlier kind: the simpler model.
    chosen = max(candidates, key=lambda candidate: candidate[0])[1]

    labels = [achieved for _, achieved, _ in holdout_rows]
    fallback_auc = roc_auc([fallback for _, _, fallback in holdout_rows], labels)
    measured = [(model.kind, _measures(model, holdout_rows)) for _, model in candidates]
    chosen_measures = dict(measured)[chosen.kind]
    # A model must rank better than the fallback, and better than chance: a model whose
    # calibration flattened it says the same to every session.
    used = chosen_measures["auc"] > max(fallback_auc, CHANCE)
    reason = None
    if not used:
        reason = (
            f"ranks the latest sessions no better than the fallback (AUC {chosen_measures['auc']:.3f}, "
            f"fallback {fallback_auc:.3f}): the fallback stays"
            if fallback_auc >= CHANCE else
            f"ranks the latest sessions no better than chance (AUC {chosen_measures['auc']:.3f}): the fallback stays")
    all_scores = np.sort([chosen.predict(features).probability for features, _, _ in every_row])
    picks = np.linspace(0, len(all_scores) - 1, min(SCORE_SAMPLE_SIZE, len(all_scores))).round().astype(int)
    evaluation: dict[str, Any] = {
        "sessions": len(ordered),
        "holdoutSessions": len(parts[2]),
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
    chosen = replace(chosen, rows=len(every_row), positives=positives,
                     score_sample=tuple(all_scores[picks].tolist()), evaluation=evaluation)
    return Selection(chosen, used, reason)


def _fit(kind: str, rows: Sequence[Row], trained_at: datetime) -> Model | TreeModel:
    plain = [(features, achieved) for features, achieved, _ in rows]
    positives = sum(achieved for _, achieved in plain)
    if kind == MODEL_SOURCE:
        model = train(plain, min_rows=0, min_positives=1, trained_at=trained_at)
        assert model is not None  # both classes are present
        return model
    names = vocabulary(plain, MIN_FEATURE_ROWS)
    labels = np.array([achieved for _, achieved in plain])
    trees, baseline = fit_trees(design_matrix(plain, names), labels, names)
    return TreeModel(features=tuple(names), trees=trees, baseline=baseline, trained_at=trained_at,
                     rows=len(plain), positives=positives, score_sample=(0.0,))


def _measures(model: Model | TreeModel, rows: Sequence[Row]) -> dict[str, float]:
    probabilities = [model.predict(features).probability for features, _, _ in rows]
    labels = [achieved for _, achieved, _ in rows]
    return {"auc": roc_auc(probabilities, labels), "prAuc": pr_auc(probabilities, labels),
            "brier": brier(probabilities, labels)}
