"""The outcomes and their trained models held in the process, compiled for scoring.

Every batch is scored against every active outcome, so definitions and models live in
memory. A change made here is seen at once; a change made by another instance (a new
definition, a model it trained) is seen within `refresh_seconds` (see
journey.versioned_catalog).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from journey.definitions import Compiled
from journey.outcomes.definitions import Outcome
from journey.versioned_catalog import VersionedCatalog
from prediction import TrainedModel, model_from_document
from storage import outcomes as stored_outcomes
from storage.outcomes import OUTCOMES

log = logging.getLogger(__name__)


class Catalog(Compiled[Outcome]):
    """The outcomes at one version: all of them by id, the active ones as rules, and
    the model trained for each one's current revision."""

    def __init__(
        self, version: int, outcomes: Iterable[Outcome], models: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        super().__init__(version, outcomes)
        self.active: tuple[Outcome, ...] = tuple(self.by_rule.values())
        self.trained: dict[str, TrainedModel] = {}
        """The latest model of each outcome, used or not."""
        self.models: dict[str, TrainedModel] = {}
        """The models that score: those that beat the fallback on their latest sessions."""
        for doc in models:
            outcome = self.by_id.get(doc["_id"])
            if outcome is None or doc.get("revision") != outcome.revision:
                continue  # trained for conditions that no longer hold
            try:
                model = model_from_document(doc["model"])
            except (KeyError, TypeError, ValueError) as error:
                log.warning("outcome %s has a model this version cannot score (%s); its fallback is used "
                            "until the outcome is trained again", outcome.id, error)
                continue
            self.trained[outcome.id] = model
            if (model.evaluation or {}).get("used", True):
                self.models[outcome.id] = model

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


class OutcomeCatalog(VersionedCatalog[Catalog]):
    stored = OUTCOMES

    def _compiled(self, version: int, docs: list[dict[str, Any]]) -> Catalog:
        return Catalog(version, map(Outcome.from_doc, docs))

    async def _load(self, version: int) -> Catalog:
        docs = await OUTCOMES.listing(self._db)
        models = await stored_outcomes.models(self._db) if docs else []
        return Catalog(version, map(Outcome.from_doc, docs), models)
