"""What one ingest batch does to one session, as the pipeline's stages see it."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bson import ObjectId

from journey.incoming import Source
from live.topics import Message
from storage.documents import EventDocument, SessionDocument
from storage.sessions import SessionDelta


@dataclass(slots=True)
class CustomerCounters:
    """Field paths of a customer and what a batch adds to them; applied atomically, so
    batches of the customer's sessions stored at once all count."""

    increments: dict[str, int] = field(default_factory=dict)
    maxima: dict[str, Any] = field(default_factory=dict)
    bits: dict[str, int] = field(default_factory=dict)
    batch: str = ""
    """Names the batch parts they come from, so a retried batch moves them once."""
    before: dict[str, Any] | None = None
    """The customer's history as this batch read it, kept beside the token: the retry of
    a batch cut off after moving the counters starts its sessions from it again."""

    def add(self, other: CustomerCounters) -> None:
        for path, value in other.increments.items():
            self.increments[path] = self.increments.get(path, 0) + value
        for path, value in other.maxima.items():
            self.maxima[path] = max(self.maxima.get(path, value), value)
        for path, value in other.bits.items():
            self.bits[path] = self.bits.get(path, 0) | value
        if other.before is not None:
            self.before = other.before

    def __bool__(self) -> bool:
        return bool(self.increments or self.maxima or self.bits)


@dataclass(slots=True)
class SessionWork:
    delta: SessionDelta
    stored: SessionDocument | None = None
    """The session as stored before this batch; None for a session this batch opens."""
    items: list[EventDocument] = field(default_factory=list)
    """This batch's journey items for the session, in time order."""
    source: Source | None = None
    """The browser behind the batch's first event for this session."""
    customer_sets: dict[str, Any] = field(default_factory=dict)
    """Fields of the session's customer this batch replaces (the latest visit's traits, say)."""
    customer_pushes: dict[str, list[Any]] = field(default_factory=dict)
    """Arrays of the session's customer this batch appends to (customer-scope segments, say)."""
    customer_counters: CustomerCounters = field(default_factory=lambda: CustomerCounters())
    """Counts, latest times and bits of the session's customer this batch moves on (the
    history summary outcome predictions read)."""
    messages: list[Message] = field(default_factory=list)
    """Live pushes beyond the map items and the card change, sent once the batch is
    stored (progress toward outcomes, say)."""

    @property
    def session_id(self) -> str:
        return self.delta.session_id

    @property
    def is_new(self) -> bool:
        return self.stored is None

    @property
    def stored_fields(self) -> Mapping[str, Any]:
        """The session's fields as stored before this batch; none for a session it opens."""
        return self.stored or {}

    refused: list[tuple[EventDocument, str]] = field(default_factory=list)
    """Tracked items a stage turned down, with the reason (field: why)."""

    def refuse(self, document: EventDocument, reason: str) -> None:
        """Turn down a tracked item: it is not stored, and its receipt says why."""
        self.items.remove(document)
        count(self.delta, document, sign=-1)
        if self.items:
            moments = [item["occurredAt"] for item in self.items]
            self.delta.started_at, self.delta.last_activity_at = min(moments), max(moments)
        self.refused.append((document, reason))

    def add(self, document: EventDocument, *, follows: EventDocument | None = None) -> None:
        """Add an item (tracked or derived) to the session and its counters.

        `follows`: the item it comes right after on the map (a matched segment follows
        the event that completed the match)."""
        document["sessionId"] = self.delta.session_id
        document["customerId"] = self.delta.customer_id
        if follows is None:
            self.items.append(document)
        else:
            position = next(n for n, item in enumerate(self.items) if item is follows) + 1
            self.items.insert(position, document)
            # The map orders items of one moment by _id, and ids grow as they are made:
            # fresh ids, in list order, put this item and those after it in their places.
            for item in self.items[position:]:
                item["_id"] = ObjectId()
        count(self.delta, document)


def customer_changes(
    works: Iterable[SessionWork],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, list[Any]]]]:
    """The fields each customer's sessions set and the arrays they append to, by
    customer id; one batch may hold several sessions of a customer."""
    sets: dict[str, dict[str, Any]] = defaultdict(dict)
    pushes: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for work in works:
        customer_id = work.delta.customer_id
        sets[customer_id].update(work.customer_sets)
        for name, values in work.customer_pushes.items():
            pushes[customer_id][name].extend(values)
    return dict(sets), {customer_id: dict(arrays) for customer_id, arrays in pushes.items()}


def customer_counters(works: Iterable[SessionWork]) -> dict[str, CustomerCounters]:
    """What each customer's sessions in the batch add to its counters, by customer id."""
    works = list(works)
    tokens = customer_tokens(works)
    counters: dict[str, CustomerCounters] = defaultdict(CustomerCounters)
    for work in works:
        if work.customer_counters:
            counters[work.delta.customer_id].add(work.customer_counters)
    for customer_id, counted in counters.items():
        counted.batch = tokens[customer_id]
    return dict(counters)


def customer_tokens(works: Iterable[SessionWork]) -> dict[str, str]:
    """A token per customer for what this batch part does to it, from its sessions'
    tokens: the same on the retry of the batch."""
    tokens: dict[str, list[str]] = defaultdict(list)
    for work in works:
        tokens[work.delta.customer_id].append(work.delta.batch or "")
    return {
        customer_id: hashlib.sha256("\n".join(sorted(batch)).encode()).hexdigest()[:24]
        for customer_id, batch in tokens.items()
    }


def count(delta: SessionDelta, document: EventDocument, sign: int = 1) -> None:
    delta.events += sign
    delta.started_at = min(delta.started_at, document["occurredAt"])
    delta.last_activity_at = max(delta.last_activity_at, document["occurredAt"])
    if document["kind"] == "PAGEVIEW":
        delta.pageviews += sign
        if sign > 0:
            delta.last_page = {**(document["page"] or {}), "at": document["occurredAt"]}
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
