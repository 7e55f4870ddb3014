"""Transparent progress rule for outcomes without enough history to train a model."""

from collections.abc import Mapping

from prediction.labels import describe_count
from prediction.result import FALLBACK_SOURCE, Factor, Prediction
from prediction.state import NAME_PREFIX, PAGEVIEWS

CONDITIONS = "conditions"
CART_ADDS = NAME_PREFIX + "add_to_cart"

# Meeting the outcome's own conditions is what progress means; engagement only nudges
# the bar, so a busy session that meets none of them never looks close.
CONDITIONS_WEIGHT = 0.7
PAGEVIEWS_WEIGHT = 0.15
PAGEVIEWS_FOR_FULL_CREDIT = 10
CART_WEIGHT = 0.15


def fallback_progress(
    state: Mapping[str, int | float],
    outcome_condition_progress: float | None,
) -> Prediction:
    """Progress in [0, 1], the sum of the contributions of its factors.

    `outcome_condition_progress` is the share of the outcome's pattern conditions
    already met; None when the outcome has no pattern, leaving engagement alone.
    """
    pageviews = int(state.get(PAGEVIEWS, 0))
    cart_adds = int(state.get(CART_ADDS, 0))
    browsing = min(pageviews, PAGEVIEWS_FOR_FULL_CREDIT) / PAGEVIEWS_FOR_FULL_CREDIT
    parts = [
        Factor(PAGEVIEWS, describe_count(PAGEVIEWS, pageviews), PAGEVIEWS_WEIGHT * browsing),
        Factor(CART_ADDS, describe_count(CART_ADDS, cart_adds), CART_WEIGHT if cart_adds else 0.0),
    ]
    if outcome_condition_progress is not None:
        share = min(max(outcome_condition_progress, 0.0), 1.0)
        label = f"{share:.0%} of the outcome's conditions met"
        parts.append(Factor(CONDITIONS, label, CONDITIONS_WEIGHT * share))

    factors = sorted(
        (part for part in parts if part.contribution > 0), key=lambda part: -part.contribution
    )
    progress = min(1.0, sum(part.contribution for part in factors))
    return Prediction(progress, None, factors, FALLBACK_SOURCE)
