"""Outcome types and inputs: definitions, models, and a session's progress toward each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from journey.outcomes import definitions
from journey.outcomes.progress import Progress, of_session
from journey.segments.catalog import SegmentView
from prediction import Factor, TrainedModel
from prediction.features import SEGMENT_PREFIX
from prediction.history import ACHIEVED_PREFIX
from prediction.state import HISTORY_PREFIX
from schema.definitions import Condition, ConditionInput, shown_fields


@strawberry.input(description="An outcome's definition: a goal, and the journey that achieves it "
                  "(every condition must hold; at least one is a journey condition).")
class OutcomeInput:
    name: str = strawberry.field(description="The name shown on the outcome's bar, like Purchase.")
    description: str | None = strawberry.field(
        default=None, description="Left out on update: kept as it was."
    )
    positive: bool | None = strawberry.field(
        default=None,
        description="A goal the site wants (default true) rather than one it wants to avoid; "
        "left out on update: kept as it was.",
    )
    conditions: list[ConditionInput] = strawberry.field(description=
        "All must hold for a session to achieve it (1 to 20; at least one on an event field)."
    )

    def definition(self, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The fields to store, or InvalidInput naming the first bad one."""
        previous = previous or {}
        return definitions.definition(
            name=self.name,
            description=self.description if self.description is not None else previous.get("description"),
            positive=self.positive if self.positive is not None else previous.get("positive", True),
            conditions=[condition.raw() for condition in self.conditions],
        )


@strawberry.type(description="Predictions in one band of probability on the latest sessions held out from "
                 "training: what the model said and how often the outcome followed.")
class ReliabilityBin:
    low: float = strawberry.field(description="Lowest probability in the band.")
    high: float = strawberry.field(description="Highest probability in the band (exclusive, but for 1).")
    count: int = strawberry.field(description="Session prefixes the model scored in this band.")
    predicted: float = strawberry.field(description="Their mean predicted probability.")
    observed: float = strawberry.field(
        description="Share of them whose session went on to achieve the outcome; close to predicted "
        "when the probabilities mean what they say."
    )


@strawberry.type(description="A kind of model fitted in the same training, and how it did on the latest sessions.")
class ModelCandidate:
    kind: str = strawberry.field(description="logistic-v1 (logistic regression) or trees-v1 (boosted trees).")
    auc: float = strawberry.field(description="ROC AUC on the latest sessions: 0.5 is chance, 1 a perfect ranking.")
    pr_auc: float = strawberry.field(description="Area under the precision-recall curve on the latest sessions.")
    brier: float = strawberry.field(description="Mean squared error of its probabilities there; lower is better.")


@strawberry.type(description="The latest model trained for an outcome, and how it did on the latest sessions, "
                 "which training held out.")
class OutcomeModel:
    source: str = strawberry.field(description="The kind of model, as kind.")
    kind: str = strawberry.field(
        description="logistic-v1 (logistic regression) or trees-v1 (boosted trees): of the two fitted, the "
        "one that ranked sessions better."
    )
    trained_at: datetime = strawberry.field(description="When it was trained.")
    used: bool = strawberry.field(
        description="It scores the outcome: it ranked the latest sessions better than the fallback. When "
        "false the fallback scores it and reason says why."
    )
    reason: str | None = strawberry.field(description="Why it is not used; null when it is.")
    rows: int = strawberry.field(description="Session prefixes it learnt from.")
    positives: int = strawberry.field(description="Of those, prefixes of sessions that achieved the outcome.")
    features: int = strawberry.field(description="Session properties it weighs.")
    sessions: int | None = strawberry.field(
        description="Ended sessions the training read, the latest of them held out to evaluate it."
    )
    holdout_sessions: int | None = strawberry.field(description="The latest sessions held out to evaluate it.")
    prefixes: int | None = strawberry.field(description="Session prefixes of the held-out sessions it was judged on.")
    positive_rate: float | None = strawberry.field(
        description="Share of those prefixes whose session achieved the outcome."
    )
    auc: float | None = strawberry.field(
        description="ROC AUC on the held-out sessions: the chance that a prefix of a session that achieved the "
        "outcome scores above one of a session that did not (0.5 is chance)."
    )
    pr_auc: float | None = strawberry.field(
        description="Area under the precision-recall curve on the held-out sessions; compare with positiveRate, "
        "what a random score gets."
    )
    brier: float | None = strawberry.field(
        description="Mean squared error of its probabilities on the held-out sessions; lower is better."
    )
    fallback_auc: float | None = strawberry.field(description="The fallback's ROC AUC on the same held-out sessions.")
    reliability: list[ReliabilityBin] = strawberry.field(
        description="Its probabilities on the held-out sessions against what followed, band by band."
    )
    candidates: list[ModelCandidate] = strawberry.field(
        description="Every kind of model fitted, and how each did on the held-out sessions."
    )

    @classmethod
    def of(cls, model: TrainedModel) -> OutcomeModel:
        evaluation = model.evaluation or {}
        return cls(
            source=model.kind, kind=model.kind, trained_at=model.trained_at,
            used=evaluation.get("used", True), reason=evaluation.get("reason"),
            rows=model.rows, positives=model.positives, features=len(model.features),
            sessions=evaluation.get("sessions"), holdout_sessions=evaluation.get("holdoutSessions"),
            prefixes=evaluation.get("prefixes"), positive_rate=evaluation.get("positiveRate"),
            auc=evaluation.get("auc"), pr_auc=evaluation.get("prAuc"), brier=evaluation.get("brier"),
            fallback_auc=evaluation.get("fallbackAuc"),
            reliability=[ReliabilityBin(**bin) for bin in evaluation.get("reliability", [])],
            candidates=[
                ModelCandidate(kind=candidate["kind"], auc=candidate["auc"], pr_auc=candidate["prAuc"],
                               brier=candidate["brier"])
                for candidate in evaluation.get("candidates", [])
            ],
        )


@strawberry.type(
    description="A goal a session may reach (a purchase, say), achieved when its conditions hold.",
)
class Outcome:
    id: strawberry.ID = strawberry.field(description="The outcome's id.")
    name: str = strawberry.field(description="The name shown on its bar, like Purchase.")
    description: str = strawberry.field(
        description="What the outcome means, for whoever defines outcomes; may be empty.",
    )
    positive: bool = strawberry.field(description="A goal the site wants rather than one it wants to avoid.")
    active: bool = strawberry.field(description="Inactive outcomes are neither predicted nor achieved.")
    conditions: list[Condition] = strawberry.field(description="All must hold for a session to achieve it.")
    created_at: datetime = strawberry.field(description="When it was defined.")
    updated_at: datetime = strawberry.field(description="When its definition last changed.")

    @strawberry.field(
        description="The latest model trained for it and how it did; null when none was (too little "
        "history so far, or its conditions changed since the last training). The fallback scores the "
        "outcome when this is null or not used."
    )
    async def model(self, info: Info) -> OutcomeModel | None:
        catalog = await info.context.services.outcomes.current()
        model = catalog.trained.get(str(self.id))
        return None if model is None else OutcomeModel.of(model)

    @classmethod
    def of(cls, outcome: definitions.Outcome) -> Outcome:
        return cls(**shown_fields(outcome), positive=outcome.positive)


@strawberry.type(description="A session property that moved a prediction, and how far.")
class PredictionFactor:
    feature: str = strawberry.field(description='The property, like "name:add_to_cart" or "pageviews".')
    label: str = strawberry.field(description='What it says about the session: "added an item to the cart".')
    contribution: float = strawberry.field(
        description="How far it moved the score from a typical session's (calibrated log-odds for "
        "logistic-v1 and trees-v1, progress points for fallback); negative: it held the score back."
    )


@strawberry.type(description="A session's progress toward an outcome: the bar an agent sees.")
class OutcomeProgress:
    outcome: Outcome = strawberry.field(description="The outcome the bar is for.")
    session_id: strawberry.ID = strawberry.field(description="The session whose progress it is.")
    probability: float = strawberry.field(
        description="How likely the session is to achieve the outcome, 0 to 1; 1 once achieved."
    )
    quantile: float | None = strawberry.field(
        description="Share of the recent sessions the model learnt from that scored lower; null "
        "without a model, or once achieved."
    )
    achieved: bool = strawberry.field(description="Whether the session has achieved it.")
    achieved_at: datetime | None = strawberry.field(description="When the event that achieved it occurred.")
    factors: list[PredictionFactor] = strawberry.field(
        description="The few properties of the session that moved the probability most, strongest first."
    )
    source: str = strawberry.field(
        description='"logistic-v1" or "trees-v1": the model trained on this site\'s journeys; "fallback": a '
        "transparent rule (share of the outcome's conditions met, pages viewed, cart adds) used until a model "
        "exists that ranks sessions better."
    )


@strawberry.type(description="The outcome an OUTCOME_ACHIEVED item records, as it was when achieved.")
class AchievedOutcome:
    id: strawberry.ID = strawberry.field(description="The outcome's id.")
    name: str = strawberry.field(description="Its name when achieved.")
    positive: bool = strawberry.field(description="A goal the site wants (true) or one it wants to avoid.")

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any] | None) -> AchievedOutcome | None:
        if not doc:
            return None
        return cls(id=strawberry.ID(doc["id"]), name=doc["name"], positive=doc.get("positive", True))


@strawberry.type(description="What one training of an outcome's model came to.")
class OutcomeTraining:
    outcome: Outcome = strawberry.field(description="The outcome whose model was trained.")
    trained: bool = strawberry.field(description="A new model was stored; every instance now scores with it.")
    rows: int = strawberry.field(description="Session prefixes learnt from.")
    positives: int = strawberry.field(description="Of those, prefixes of sessions that achieved the outcome.")
    reason: str | None = strawberry.field(description="Why no model was trained.")


EARLIER_ACHIEVEMENT = HISTORY_PREFIX + ACHIEVED_PREFIX


def progress_shown(
    progress: Progress, outcome: definitions.Outcome, session_id: str, segments: SegmentView,
    outcome_names: Mapping[str, str],
) -> OutcomeProgress:
    return OutcomeProgress(
        outcome=Outcome.of(outcome),
        session_id=strawberry.ID(session_id),
        probability=progress.probability,
        quantile=progress.quantile,
        achieved=progress.achieved_at is not None,
        achieved_at=progress.achieved_at,
        factors=_factors_shown(progress.factors, segments, outcome_names),
        source=progress.source,
    )


def _factors_shown(
    factors: tuple[Factor, ...], segments: SegmentView, outcome_names: Mapping[str, str]
) -> list[PredictionFactor]:
    """Factors as the caller may read them: a segment or an outcome by its name, and a
    segment not at all when it is hidden from the caller or deleted."""
    shown = []
    for feature, label, contribution in factors:
        if feature.startswith(EARLIER_ACHIEVEMENT):
            outcome_id = feature.removeprefix(EARLIER_ACHIEVEMENT)
            label = label.replace(f'"{outcome_id}"', f'"{outcome_names.get(outcome_id, "deleted")}"')
        if feature.startswith(SEGMENT_PREFIX):
            segment_id = feature.removeprefix(SEGMENT_PREFIX)
            segment = segments.get(segment_id)
            if segment is None:
                continue
            label = label.replace(f'"{segment_id}"', f'"{segment.name}"')
        shown.append(PredictionFactor(feature=feature, label=label, contribution=contribution))
    return shown


async def session_outcomes(session: Mapping[str, Any], info: Info) -> list[OutcomeProgress]:
    """Progress toward every active outcome, and the ones achieved, in definition order."""
    catalog = await info.context.services.outcomes.current()
    segments = await info.context.loaders.segments()
    names = {outcome_id: outcome.name for outcome_id, outcome in catalog.by_id.items()}
    return [
        progress_shown(progress, catalog.by_id[progress.outcome_id], session["_id"], segments, names)
        for progress in of_session(catalog, session)
    ]


async def pushed_progress(payload: Mapping[str, Any], info: Info) -> OutcomeProgress | None:
    """A live progress message as the subscriber may see it; None for a deleted outcome."""
    catalog = await info.context.services.outcomes.current()
    outcome = catalog.by_id.get(payload["outcomeId"])
    if outcome is None:
        return None
    segments = await info.context.loaders.segments()
    names = {outcome_id: outcome.name for outcome_id, outcome in catalog.by_id.items()}
    return progress_shown(Progress.from_payload(payload), outcome, payload["sessionId"], segments, names)
