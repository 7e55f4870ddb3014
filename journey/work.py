"""What one ingest batch does to one session, as the pipeline's stages see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from journey.incoming import Source
from storage.sessions import SessionDelta


@dataclass(slots=True)
class SessionWork:
    delta: SessionDelta
    stored: dict[str, Any] | None = None
    """The session as stored before this batch; None for a session this batch opens."""
    items: list[dict[str, Any]] = field(default_factory=list)
    """This batch's journey items for the session, in time order."""
    source: Source | None = None
    """The browser behind the batch's first event for this session."""

    @property
    def session_id(self) -> str:
        return self.delta.session_id

    @property
    def is_new(self) -> bool:
        return self.stored is None

    def add(self, document: dict[str, Any]) -> None:
        """Add an item (tracked or derived) to the session and its counters."""
        document["sessionId"] = self.delta.session_id
        document["customerId"] = self.delta.customer_id
        self.items.append(document)
        count(self.delta, document)


def count(delta: SessionDelta, document: dict[str, Any], sign: int = 1) -> None:
    delta.events += sign
    delta.started_at = min(delta.started_at, document["occurredAt"])
    delta.last_activity_at = max(delta.last_activity_at, document["occurredAt"])
    if document["kind"] == "PAGEVIEW":
        delta.pageviews += sign
        if sign > 0:
            delta.last_page = {**document["page"], "at": document["occurredAt"]}
    if document["kind"] == "SEARCH":
        entry = {"query": document["query"], "occurredAt": document["occurredAt"]}
        if sign > 0:
            delta.searches.append(entry)
        elif entry in delta.searches:
            delta.searches.remove(entry)


class Stage(Protocol):
    """A step between sessionising and storing: enrichment, segments, outcomes."""

    async def prepare(self, works: list[SessionWork]) -> None:
        """Read what process() needs, in a fixed number of round trips."""

    def process(self, work: SessionWork) -> None:
        """Pure: may add derived items and set fields on work.delta."""
