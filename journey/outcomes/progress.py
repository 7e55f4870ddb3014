"""How close a session is to each outcome: the trained model's probability, or the
transparent fallback while an outcome has no model, or 1 once achieved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from journey.outcomes.catalog import Catalog
from journey.outcomes.definitions import Outcome
from journey.outcomes.features import session_state
from live.topics import OutcomeProgressMessage
from prediction import FALLBACK_SOURCE, Factor, FeatureState, fallback_progress, feature_vector
from prediction.fallback import CART_ADDS
from prediction.features import count_of
from prediction.state import PAGEVIEWS
from rules import Rule

STATE: Final = "outcomeState"
"""Session field: event counts toward each outcome's conditions (see rules.evaluation)."""
ACHIEVED: Final = "outcomes"
"""Session field: {outcomeId, achievedAt} in the order achieved."""


@dataclass(frozen=True, slots=True)
class Progress:
    outcome_id: str
    probability: float
    quantile: float | None
    """Share of the sessions the model learnt from that scored lower; None without a model."""
    factors: tuple[Factor, ...]
    source: str
    achieved_at: datetime | None

    def payload(self, session_id: str) -> OutcomeProgressMessage:
        """The live message that carries it."""
        return {
            "sessionId": session_id, "outcomeId": self.outcome_id, "probability": self.probability,
            "quantile": self.quantile, "factors": [list(factor) for factor in self.factors],
            "source": self.source, "achievedAt": self.achieved_at,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Progress:
        return cls(
            outcome_id=payload["outcomeId"], probability=payload["probability"],
            quantile=payload["quantile"], factors=tuple(Factor(*factor) for factor in payload["factors"]),
            source=payload["source"], achieved_at=payload["achievedAt"],
        )


def conditions_met(rule: Rule, counts: Mapping[str, int], context: Mapping | None) -> float:
    """The share of the outcome's conditions that hold, an event condition counting in
    proportion to the events it still needs."""
    shares = []
    for index, condition in enumerate(rule.conditions):
        if condition.reads_context:
            shares.append(1.0 if condition.matches(context) else 0.0)
        else:
            needed = condition.events_needed
            shares.append(min(counts.get(f"{rule.id}:{index}", 0), needed) / needed)
    return sum(shares) / len(shares)


def fallback_score(features: Mapping[str, float], conditions_share: float | None) -> float:
    """The fallback's progress for a stored prefix, known by its features alone."""
    state = {PAGEVIEWS: count_of(features, PAGEVIEWS), CART_ADDS: count_of(features, CART_ADDS)}
    return fallback_progress(state, conditions_share).probability


def predict(
    catalog: Catalog, outcome: Outcome, *, state: FeatureState, features: Mapping[str, float],
    counts: Mapping[str, int], context: Mapping | None, achieved_at: datetime | None,
) -> Progress:
    model = catalog.models.get(outcome.id)
    source = model.kind if model is not None else FALLBACK_SOURCE
    if achieved_at is not None:
        return Progress(outcome.id, 1.0, None, (), source, achieved_at)
    if model is not None:
        prediction = model.predict(features)
    else:
        rule = catalog.rule_of.get(outcome.id)
        met = conditions_met(rule, counts, context) if rule is not None else None
        prediction = fallback_progress(state, met)
    return Progress(
        outcome.id, prediction.probability, prediction.quantile, tuple(prediction.factors), source, None
    )


def achievements(session: Mapping[str, Any]) -> dict[str, datetime]:
    """When the session achieved each outcome it did: two instances racing on one session
    may both record an achievement; the first stands."""
    achieved: dict[str, datetime] = {}
    for record in session.get(ACHIEVED) or []:
        achieved.setdefault(record["outcomeId"], record["achievedAt"])
    return achieved


def of_session(catalog: Catalog, session: Mapping[str, Any]) -> list[Progress]:
    """Every outcome a stored web session shows, scored from what the session keeps.
    Conversations are not journeys on the site: they show none."""
    if session.get("type") != "WEB":
        return []
    achieved = achievements(session)
    outcomes = catalog.shown(achieved)
    if not outcomes:
        return []
    state = session_state(session)
    context = session.get("context")
    segment_ids = [assignment["segmentId"] for assignment in session.get("segments") or []]
    features = feature_vector(state, context, segment_ids)
    counts = session.get(STATE) or {}
    return [
        predict(catalog, outcome, state=state, features=features, counts=counts, context=context,
                achieved_at=achieved.get(outcome.id))
        for outcome in outcomes
    ]
