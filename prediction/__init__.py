"""Per-outcome prediction of whether a live session will achieve the outcome."""

from prediction.fallback import fallback_progress
from prediction.features import feature_vector
from prediction.metrics import roc_auc
from prediction.model import Model
from prediction.result import FALLBACK_SOURCE, MODEL_SOURCE, Factor, Prediction
from prediction.state import FeatureState, fold_event
from prediction.training import train
from prediction.training_data import Journey, training_rows

__all__ = [
    "FALLBACK_SOURCE",
    "MODEL_SOURCE",
    "Factor",
    "FeatureState",
    "Journey",
    "Model",
    "Prediction",
    "fallback_progress",
    "feature_vector",
    "fold_event",
    "roc_auc",
    "train",
    "training_rows",
]
