"""How often each product category sells: learnt from earlier sessions, read per event.

A shop's categories differ far more in how often a visit to them ends in the outcome
than any visitor's clicks do, yet there are thousands of them, too many for a weight
each. A model therefore keeps one table, learnt when it is trained: for each category,
the log-odds by which the outcome is more (or less) often achieved on an event in it
than on the shop's events overall, shrunk towards zero while the category has few
events. A session is scored with the value of the category it is on (the latest event
that named one, prediction.state.CATEGORY_CODE), as one feature among the others, so its
contribution is a readable, signed factor like theirs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from prediction.state import CATEGORY_CODE, CATEGORY_EVENTS_PREFIX

CATEGORY_SELLS = "category_sells"
"""Feature: log-odds by which the current category's events achieve the outcome more
often than the shop's events overall."""
SESSION_CATEGORIES_SELL = "session_categories_sell"
"""Feature: CATEGORY_SELLS averaged over the session's events so far (those in categories
with no record count as the shop overall): a session that has dwelt in categories that
sell is closer to buying than its latest page alone says."""
PRIOR_EVENTS = 100
"""A category's rate counts as if it also had this many events at the shop's overall
rate: a category seen a few times says little."""
FOLDS = 5
_NEGLIGIBLE = 1e-3
_CODE_AT = len(CATEGORY_EVENTS_PREFIX)


@dataclass(frozen=True, slots=True)
class CategoryCounts:
    """What one session tells about categories: its events in each, and the category of
    the event that achieved the outcome, if one did."""

    events: Mapping[int, int] = field(default_factory=dict)
    achieved_in: int | None = None


def session_counts(codes: Iterable[float | None], achieved_in: float | None) -> CategoryCounts:
    """A session's counts from the category code each of its events left the state
    with (CATEGORY_CODE of the features after it), and that of the event that achieved
    the outcome."""
    events = Counter(int(code) for code in codes if code is not None)
    return CategoryCounts(dict(events), None if achieved_in is None else int(achieved_in))


@dataclass(frozen=True, slots=True)
class CategoryRates:
    values: Mapping[int, float] = field(default_factory=dict)
    """Category code -> log-odds shift; categories that barely differ are left out."""

    def applied(self, features: Mapping[str, float]) -> Mapping[str, float]:
        """`features` with the current category's value and the session's average beside them."""
        code = features.get(CATEGORY_CODE)
        if code is None or not self.values:
            return features
        values = self.values
        events = 0.0
        total = 0.0
        for name, count in features.items():
            if name.startswith(CATEGORY_EVENTS_PREFIX):
                events += count
                total += count * values.get(int(name[_CODE_AT:]), 0.0)
        value = values.get(int(code))
        if value is None and not total:
            return features
        applied = dict(features)
        if value is not None:
            applied[CATEGORY_SELLS] = value
        if total:
            applied[SESSION_CATEGORIES_SELL] = total / events
        return applied

    def to_document(self) -> list[list[float]]:
        # Stored field names must be strings; pairs keep the codes as numbers.
        return [[code, value] for code, value in self.values.items()]

    @classmethod
    def from_document(cls, document: Iterable[Iterable[float]] | None) -> CategoryRates:
        return cls({int(code): float(value) for code, value in document or ()})


class CategoryTally:
    """Events and achievements per category over many sessions."""

    def __init__(self, sessions: Iterable[CategoryCounts]) -> None:
        self.events: Counter[int] = Counter()
        self.achieved: Counter[int] = Counter()
        for counts in sessions:
            self.events.update(counts.events)
            if counts.achieved_in is not None:
                self.achieved[counts.achieved_in] += 1

    def rates(self) -> CategoryRates:
        total = sum(self.events.values())
        prior = sum(self.achieved.values()) / total if total else 0.0
        if not 0.0 < prior < 1.0:
            return CategoryRates()
        values = {}
        for code, events in self.events.items():
            rate = (self.achieved[code] + PRIOR_EVENTS * prior) / (events + PRIOR_EVENTS)
            rate = min(max(rate, 1e-6), 1 - 1e-6)
            value = math.log(rate / (1 - rate)) - math.log(prior / (1 - prior))
            if abs(value) >= _NEGLIGIBLE:
                values[code] = value
        return CategoryRates(values)


def out_of_fold(sessions: Sequence[CategoryCounts], folds: int = FOLDS) -> tuple[list[CategoryRates], CategoryRates]:
    """The rates each session's rows are fitted with, and those of all the sessions.

    A session's rows must not read a rate its own outcome counted in: the model would
    learn a link later sessions lack. Leaving out the session alone is not enough (its
    rate then drops exactly when it achieved, which boosted trees find at once), so the
    sessions are dealt into `folds` groups and each group reads the rates of the others.
    """
    groups = [[counts for number, counts in enumerate(sessions) if number % folds == fold] for fold in range(folds)]
    of_group = [
        CategoryTally(counts for other, group in enumerate(groups) if other != fold for counts in group).rates()
        for fold in range(folds)
    ]
    return [of_group[number % folds] for number in range(len(sessions))], CategoryTally(sessions).rates()
