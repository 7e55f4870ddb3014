"""The outcome stage of the ingest pipeline: keeps each session's prediction features,
records outcomes as they are achieved, and scores every active outcome for each session
a batch touches, from a small state kept on the session, so an event costs the same
however long the session has run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from journey.context import visit_context
from journey.matching import PagesOnce, held_item, record_counts
from journey.outcomes.catalog import OutcomeCatalog
from journey.outcomes.definitions import Outcome
from journey.outcomes.features import (
    DERIVED_KINDS,
    HISTORY,
    FeatureFold,
    batch_changes,
    batch_counters,
    is_tracked,
    opening_state,
    record_state,
    session_state,
)
from journey.outcomes.progress import ACHIEVED, STATE, achievements, predict
from journey.work import SessionWork, customer_tokens
from live import topics
from prediction import history as customer_history
from storage import customers as stored_customers
from storage.database import Database
from storage.documents import EventDocument


class OutcomeStage:
    def __init__(self, *, catalog: OutcomeCatalog, db: Database | None = None) -> None:
        self._catalog = catalog
        self._db = db
        self._histories: dict[str, dict[str, Any]] = {}
        self._visits: dict[str, list[tuple[datetime, tuple[dict, dict, dict]]]] = {}
        """What each customer's sessions in the batch add to its history, by when they
        were last active: a session that opens after them starts from them too."""

    async def prepare(self, works: list[SessionWork]) -> None:
        """Bring the catalog up to date; while outcomes are predicted, read the history
        summary of the customers whose sessions open (one read, only then)."""
        catalog = await self._catalog.current()
        opening = {work.delta.customer_id for work in works if work.is_new}
        self._histories = {}
        self._visits = {}
        if catalog.evaluates and opening and self._db is not None:
            tokens = {customer_id: token for customer_id, token in customer_tokens(works).items()
                      if customer_id in opening}
            self._histories = await stored_customers.histories(self._db, tokens=tokens, field=HISTORY)

    def process(self, work: SessionWork) -> None:
        catalog = self._catalog.latest
        stored = work.stored_fields
        context = visit_context(work)
        start = session_state(stored)
        started_at = stored.get("startedAt") or work.delta.started_at
        customer_id = work.delta.customer_id
        if work.is_new:
            history = self._histories.get(customer_id)
            opening = self._with_visits_before(customer_id, history, started_at)
            start = {**start, **opening_state(opening, started_at)}
            if history is not None:
                # What the batch read, not what its own sessions added: a retry starts from it.
                work.customer_counters.before = history
        fold = FeatureFold(
            start,
            started_at=started_at,
            context=context,
            segment_ids=_segments_before(work),
        )
        achieved = achievements(stored)
        achieved_here: list[str] = []
        counts = start_counts = stored.get(STATE) or {}
        pages = PagesOnce()
        for doc in list(work.items):
            if not is_tracked(doc):
                if doc["kind"] == "SEGMENT_MATCHED":
                    fold.matched(doc["segment"]["id"])
                continue
            fold.add(doc)
            if not catalog.evaluates:
                continue
            counts, held = catalog.rules.advance(counts, context, pages.counted(doc))
            for rule_id in held:
                outcome = catalog.by_rule[rule_id]
                if outcome.id not in achieved:
                    achieved[outcome.id] = doc["occurredAt"]
                    achieved_here.append(outcome.id)
                    _achieve(work, outcome, doc)

        state = fold.finish()
        record_state(work.delta, {} if work.is_new else start, state)
        changes = batch_changes(
            start, state, opened=work.is_new, last_at=work.delta.last_activity_at, achieved=achieved_here)
        work.customer_counters.add(batch_counters(changes))
        self._visits.setdefault(customer_id, []).append((work.delta.last_activity_at, changes))
        record_counts(work, STATE, start_counts, counts)
        if catalog.evaluates:
            features = fold.vector()
            for outcome in catalog.active:
                progress = predict(
                    catalog, outcome, state=state, features=features, counts=counts,
                    context=context, achieved_at=achieved.get(outcome.id),
                )
                work.messages.append((topics.outcomes(work.session_id), progress.payload(work.session_id)))

    def _with_visits_before(
        self, customer_id: str, history: dict[str, Any] | None, started_at: datetime,
    ) -> dict[str, Any] | None:
        """The customer's history with its sessions earlier in this batch (an import, a
        tracker's queue), as if each had arrived in a batch of its own; never one that
        was active after `started_at`."""
        for last_at, changes in self._visits.get(customer_id, []):
            if last_at < started_at:
                history = customer_history.advanced(history, changes)
        return history


def _segments_before(work: SessionWork) -> list[str]:
    """The segments the session held before this batch's events: stored ones, and those
    its customer carried over; the batch's own matches follow the events that made them."""
    matched_here = {doc["segment"]["id"] for doc in work.items if doc["kind"] == "SEGMENT_MATCHED"}
    held = [*work.stored_fields.get("segments", []), *work.delta.pushes.get("segments", [])]
    return [assignment["segmentId"] for assignment in held if assignment["segmentId"] not in matched_here]


def _achieve(work: SessionWork, outcome: Outcome, trigger: EventDocument) -> None:
    """Record the achievement on the session and put it on the journey map, after the
    event that completed it and whatever else that event completed."""
    item = held_item(work, trigger, outcome, type="outcome", kind="OUTCOME_ACHIEVED", outcome=outcome.reference())
    work.add(item, follows=_last_completed_by(work, trigger))
    work.delta.pushes.setdefault(ACHIEVED, []).append(
        {"outcomeId": outcome.id, "achievedAt": trigger["occurredAt"]}
    )


def _last_completed_by(work: SessionWork, trigger: EventDocument) -> EventDocument:
    position = next(n for n, item in enumerate(work.items) if item is trigger)
    last = trigger
    for item in work.items[position + 1:]:
        if item["kind"] not in DERIVED_KINDS or item.get("clientEventId") != trigger.get("clientEventId"):
            break
        last = item
    return last
