"""What a prediction tells an agent: a probability, its rank, and why."""

from dataclasses import dataclass
from typing import NamedTuple

MODEL_SOURCE = "logistic-v1"
TREES_SOURCE = "trees-v1"
FALLBACK_SOURCE = "fallback"


class Factor(NamedTuple):
    """One session property and how far it moved the score from a typical session.

    `contribution` is in the scorer's own units: log-odds for the model, progress
    points for the fallback. Its sign says which way it pushed.
    """

    feature: str
    label: str
    contribution: float


@dataclass(frozen=True, slots=True)
class Prediction:
    probability: float
    # Share of recent sessions scoring lower; None when there is no history to rank against.
    quantile: float | None
    factors: list[Factor]
    source: str
