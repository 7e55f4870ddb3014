"""Training each outcome's model on the site's own stored journeys, on demand (CLI,
admin mutation) and on a schedule that one instance at a time carries out.

A session teaches with the features stored after each of its events up to the one that
achieved the outcome, labelled with whether it did: the model learns from what live
scoring will show it, and a prediction is only worth anything before the outcome. Which
sessions achieved an outcome is read from their events with the outcome's current
conditions, so a new outcome learns from the history before it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from journey.matching import PagesOnce
from journey.outcomes.catalog import OutcomeCatalog
from journey.outcomes.definitions import Outcome
from journey.outcomes.features import FEATURES, decoded
from journey.outcomes.progress import conditions_met, fallback_score
from journey.periodic import Repeating, SharedSchedule
from prediction import SessionRows, TrainedModel, select_model
from prediction.categories import CategoryCounts, session_counts
from prediction.selection import KINDS
from prediction.state import CATEGORY_CODE
from prediction.training_data import MAX_PREFIXES_PER_SESSION, evenly_spaced
from rules import Rule, RuleDefinitionError, RuleSet
from storage import outcomes as stored_outcomes
from storage.database import Database
from storage.journeys import ended_sessions, tracked_items
from storage.outcomes import TRAINING_SCHEDULE

log = logging.getLogger(__name__)

MIN_ROWS = 200
MIN_ROWS_PER_CLASS = 20

StoredJourney = tuple[Mapping[str, Any] | None, list[dict[str, Any]]]
"""A session's visit context and its tracked items in map order."""


@dataclass(frozen=True, slots=True)
class TrainingReport:
    outcome_id: str
    trained: bool
    rows: int
    """Session prefixes learnt from."""
    positives: int
    """Of those, prefixes of sessions that went on to achieve the outcome."""
    reason: str | None = None
    """Why no model was trained, or why the one trained is not used."""
    used: bool = False
    """The model beat the fallback on the latest sessions and now scores the outcome."""


def sessions_for(outcome: Outcome, journeys: Iterable[tuple[datetime, StoredJourney]], *,
                 max_prefixes: int = MAX_PREFIXES_PER_SESSION) -> list[SessionRows]:
    """Each session's rows: one per stored prefix before the outcome, labelled with whether
    the session achieved it (at most `max_prefixes` evenly spaced ones, so long sessions do
    not dominate), with the fallback's score beside the features, and when the session
    ended, for a split by time."""
    rule = outcome.rule()
    return [
        SessionRows(ended_at.timestamp(), *_session_rows(rule, context, items, max_prefixes))
        for ended_at, (context, items) in journeys
    ]


def _session_rows(
    rule: Rule, context: Mapping[str, Any] | None, items: list[dict[str, Any]], max_prefixes: int,
) -> tuple[list[tuple[dict[str, float], bool, float]], CategoryCounts]:
    rules = RuleSet([rule])
    counts: Mapping[str, int] = {}
    pages = PagesOnce()  # as live matching counts them
    prefixes: list[tuple[dict[str, float], float]] = []
    achieved = False
    achieved_in = None
    # Every event tells how often its category sells, those after the outcome too.
    codes = [(item.get(FEATURES) or {}).get(CATEGORY_CODE) for item in items]
    for item, code in zip(items, codes, strict=True):
        counts, held = rules.advance(counts, context, pages.counted(item))
        if held:
            achieved, achieved_in = True, code
            break
        if item.get(FEATURES) is not None:
            features = decoded(item[FEATURES])
            prefixes.append((features, fallback_score(features, conditions_met(rule, counts, context))))
    rows = [(features, achieved, fallback) for features, fallback in evenly_spaced(prefixes, max_prefixes)]
    return rows, session_counts(codes, achieved_in)


class OutcomeTrainer:
    def __init__(
        self, *, db: Database, clock: Clock, catalog: OutcomeCatalog | None,
        session_timeout_seconds: int, sessions: int, kinds: Sequence[str] = KINDS,
    ) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown or not kinds:
            raise ValueError(f"outcome model kinds must be some of {', '.join(KINDS)}; got {', '.join(kinds)}")
        self._kinds = tuple(kinds)
        self._db = db
        self._clock = clock
        self._catalog = catalog
        self._timeout = timedelta(seconds=session_timeout_seconds)
        self._sessions = sessions

    async def train(self) -> list[TrainingReport]:
        """Train every active outcome on the latest ended sessions and store the models
        that had enough history; every instance loads them at its next refresh."""
        outcomes = [
            outcome for outcome in map(Outcome.from_doc, await stored_outcomes.OUTCOMES.listing(self._db))
            if outcome.active
        ]
        if not outcomes:
            return []
        now = self._clock.now()
        sessions = await ended_sessions(self._db, idle_before=now - self._timeout, limit=self._sessions)
        items = await tracked_items(self._db, session_ids=[session["_id"] for session in sessions])
        journeys = [
            (session["lastActivityAt"], (session.get("context"), items.get(session["_id"], [])))
            for session in sessions
        ]
        reports = []
        for outcome in outcomes:
            report, model = await asyncio.to_thread(_fit, outcome, journeys, now, self._kinds)
            if model is not None:
                await stored_outcomes.save_model(
                    self._db, outcome_id=outcome.id, revision=outcome.revision,
                    model=model.to_document(), now=now,
                )
            reports.append(report)
        if self._catalog is not None:
            self._catalog.invalidate()
        return reports


def _fit(outcome: Outcome, journeys: list[tuple[datetime, StoredJourney]], now: datetime,
         kinds: Sequence[str]) -> tuple[TrainingReport, TrainedModel | None]:
    """CPU work, run off the event loop."""
    try:
        sessions = sessions_for(outcome, journeys)
    except RuleDefinitionError as error:
        return TrainingReport(outcome.id, False, 0, 0, f"invalid conditions: {error}"), None
    rows = sum(len(session.rows) for session in sessions)
    positives = sum(achieved for session in sessions for _, achieved, _ in session.rows)
    selection = select_model(
        sessions, trained_at=now, min_rows=MIN_ROWS, min_positives=MIN_ROWS_PER_CLASS, kinds=kinds)
    trained = selection.model is not None
    return TrainingReport(outcome.id, trained, rows, positives, selection.reason, selection.used), selection.model


class TrainingSchedule(Repeating):
    """Retrains every `interval_seconds`, on the instance that claims the due training
    first (see journey.periodic.SharedSchedule)."""

    def __init__(self, *, db: Database, clock: Clock, trainer: OutcomeTrainer, interval_seconds: float) -> None:
        # Checking is one small read; a minute late is early enough for a daily job.
        super().__init__(name="outcome training", every_seconds=min(interval_seconds, 60.0))
        self._trainer = trainer
        self._schedule = SharedSchedule(
            db=db, clock=clock, schedule_id=TRAINING_SCHEDULE, interval=timedelta(seconds=interval_seconds)
        )

    def start(self) -> None:
        if self._schedule.interval > timedelta(0):
            super().start()

    async def _round(self) -> None:
        if await self._schedule.claim():
            reports = await self._trainer.train()
            log.info("outcome models retrained: %d of %d", sum(r.trained for r in reports), len(reports))
