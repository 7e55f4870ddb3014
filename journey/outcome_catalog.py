"""The outcomes and their trained models held in the process, compiled for scoring.

Every batch is scored against every active outcome, so definitions and models live in
memory. A change made here is seen at once; a change made by another instance (a new
definition, a model it trained) is seen within `refresh_seconds`: the catalog then
reads a version counter that every change moves (one small read), and reloads only
when it moved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from app.clock import Clock
from journey.outcome_definitions import Outcome
from prediction import Model
from rules import Rule, RuleDefinitionError, RuleSet
from storage import outcomes as stored_outcomes
from storage.database import Database

log = logging.getLogger(__name__)


class Catalog:
    """The outcomes at one version: all of them by id, the active ones as rules, and
    the model trained for each one's current revision."""

    def __init__(
        self, version: int, outcomes: Iterable[Outcome], models: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        self.version = version
        self.by_id: dict[str, Outcome] = {outcome.id: outcome for outcome in outcomes}
        self.rule_of: dict[str, Rule] = {}
        self.by_rule: dict[str, Outcome] = {}
        for outcome in self.by_id.values():
            if not outcome.active:
                continue
            try:
                rule = outcome.rule()
            except RuleDefinitionError:
                # Stored before a rule change made it invalid: skip it, keep ingesting.
                log.warning("outcome %s has invalid conditions; it is not evaluated", outcome.id)
                continue
            self.rule_of[outcome.id] = rule
            self.by_rule[outcome.rule_id] = outcome
        self.active: tuple[Outcome, ...] = tuple(self.by_rule.values())
        self.rules = RuleSet(self.rule_of.values())
        self.models: dict[str, Model] = {}
        for doc in models:
            outcome = self.by_id.get(doc["_id"])
            if outcome is None or doc.get("revision") != outcome.revision:
                continue  # trained for conditions that no longer hold
            try:
                self.models[outcome.id] = Model.from_document(doc["model"])
            except (KeyError, TypeError, ValueError):
                log.warning("outcome %s has an unreadable model; its fallback is used", outcome.id)

    @property
    def evaluates(self) -> bool:
        return bool(self.active)

    def shown(self, achieved: Iterable[str]) -> list[Outcome]:
        """The outcomes a session shows, in definition order: the active ones, and the
        ones it achieved while they were active."""
        achieved = set(achieved)
        return [
            outcome for outcome in self.by_id.values()
            if outcome.id in self.rule_of or outcome.id in achieved
        ]


class OutcomeCatalog:
    def __init__(self, *, db: Database, clock: Clock, refresh_seconds: float) -> None:
        self._db = db
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._latest = Catalog(-1, ())
        self._checked_at: datetime | None = None
        self._changes = 0
        self._lock = asyncio.Lock()

    @property
    def latest(self) -> Catalog:
        """The catalog as last loaded, without asking whether it is still current."""
        return self._latest

    async def current(self) -> Catalog:
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    await self._refresh()
        return self._latest

    def invalidate(self) -> None:
        """This instance changed an outcome or a model: check the version at the next use."""
        self._checked_at = None
        self._changes += 1

    def _fresh(self) -> bool:
        if self._checked_at is None:
            return False
        age = (self._clock.now() - self._checked_at).total_seconds()
        return 0 <= age < self._refresh_seconds

    async def _refresh(self) -> None:
        changes, checked_at = self._changes, self._clock.now()
        version = await stored_outcomes.version(self._db)
        if version != self._latest.version:
            docs = await stored_outcomes.listing(self._db)
            models = await stored_outcomes.models(self._db) if docs else []
            self._latest = Catalog(version, (Outcome.from_doc(doc) for doc in docs), models)
        # A change made here while reading may not be in what was read: check again.
        if changes == self._changes:
            self._checked_at = checked_at
