"""Real-time segment assignment: each session is matched against the active segments
one event at a time, from a small progress state kept on the session, so an event costs
the same however long the session has run."""

from __future__ import annotations

from typing import Any, Final

from journey.context import visit_context
from journey.matching import PagesOnce, held_item, record_counts
from journey.segments.catalog import SegmentCatalog
from journey.segments.definitions import CUSTOMER, Segment
from journey.work import SessionWork
from storage import segments as stored_segments
from storage.database import Database
from storage.documents import EventDocument

STATE: Final = "segmentState"
"""Session field: event counts toward each segment's conditions (see rules.evaluation)."""
ASSIGNMENTS: Final = "segments"
"""Session and customer field: {segmentId, assignedAt} in the order assigned."""


def first_per_segment(assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Assignments in order, each segment once: two instances racing on one session may
    both record a match; the first stands."""
    seen: set[str] = set()
    kept = []
    for assignment in assignments:
        if assignment["segmentId"] not in seen:
            seen.add(assignment["segmentId"])
            kept.append(assignment)
    return kept


class SegmentStage:
    def __init__(self, *, db: Database, catalog: SegmentCatalog) -> None:
        self._db = db
        self._catalog = catalog

    async def prepare(self, works: list[SessionWork]) -> None:
        """Bring the catalog up to date; give each new session the customer-scope
        segments its customer already holds (one read, only when there can be any)."""
        catalog = await self._catalog.current()
        opening = [work for work in works if work.is_new]
        if not opening or not catalog.carries_over:
            return
        held = await stored_segments.customer_assignments(
            self._db, customer_ids=sorted({work.delta.customer_id for work in opening})
        )
        for work in opening:
            carried = [
                {"segmentId": assignment["segmentId"], "assignedAt": assignment["assignedAt"]}
                for assignment in first_per_segment(held.get(work.delta.customer_id, []))
                if (segment := catalog.by_id.get(assignment["segmentId"])) and segment.scope == CUSTOMER
                # A session's own match is not carried into it: the customer may hold it
                # already when the batch that made it is being retried.
                and assignment.get("sessionId") != work.session_id
            ]
            if carried:
                work.delta.pushes.setdefault(ASSIGNMENTS, []).extend(carried)

    def process(self, work: SessionWork) -> None:
        catalog = self._catalog.latest
        if not catalog.evaluates:
            return
        stored = work.stored_fields
        context = visit_context(work)
        assigned = {
            assignment["segmentId"]
            for assignment in [*stored.get(ASSIGNMENTS, []), *work.delta.pushes.get(ASSIGNMENTS, [])]
        }
        state = start = stored.get(STATE) or {}
        pages = PagesOnce()
        for doc in list(work.items):
            state, held = catalog.rules.advance(state, context, pages.counted(doc))
            placed = doc
            for rule_id in held:
                segment = catalog.by_rule[rule_id]
                if segment.id not in assigned:
                    assigned.add(segment.id)
                    placed = _assign(work, segment, doc, follows=placed)
        record_counts(work, STATE, start, state)


def _assign(
    work: SessionWork, segment: Segment, trigger: EventDocument, *, follows: EventDocument
) -> EventDocument:
    """Record the match on the session (and the customer, for customer scope) and put
    it on the journey map, in the segment's colour, where the visitor was."""
    item = held_item(
        work, trigger, segment, type="segment", kind="SEGMENT_MATCHED",
        segment={"id": segment.id, "name": segment.name, "color": segment.color},
    )
    work.add(item, follows=follows)
    assignment = {"segmentId": segment.id, "assignedAt": trigger["occurredAt"]}
    work.delta.pushes.setdefault(ASSIGNMENTS, []).append(assignment)
    if segment.scope == CUSTOMER:
        work.customer_pushes.setdefault(ASSIGNMENTS, []).append({**assignment, "sessionId": work.session_id})
    return item
