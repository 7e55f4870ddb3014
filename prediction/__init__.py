"""Per-outcome prediction of whether a live session will achieve the outcome."""

from collections.abc import Mapping

from prediction.fallback import fallback_progress
from prediction.features import feature_vector
from prediction.metrics import brier, pr_auc, roc_auc
from prediction.model import Model
from prediction.result import FALLBACK_SOURCE, MODEL_SOURCE, TREES_SOURCE, Factor, Prediction
from prediction.selection import Selection, SessionRows, select_model
from prediction.state import FeatureState, fold_event
from prediction.training import train
from prediction.training_data import Journey, training_rows
from prediction.trees import TreeModel

TrainedModel = Model | TreeModel


def model_from_document(document: Mapping) -> TrainedModel:
    """A stored model of either kind; ValueError for a kind this version cannot score."""
    kind = document.get("model")
    if kind == TREES_SOURCE:
        return TreeModel.from_document(document)
    return Model.from_document(document)


__all__ = [
    "FALLBACK_SOURCE",
    "MODEL_SOURCE",
    "TREES_SOURCE",
    "Factor",
    "FeatureState",
    "Journey",
    "Model",
    "Prediction",
    "Selection",
    "SessionRows",
    "TrainedModel",
    "TreeModel",
    "brier",
    "fallback_progress",
    "feature_vector",
    "fold_event",
    "model_from_document",
    "pr_auc",
    "roc_auc",
    "select_model",
    "train",
    "training_rows",
]
