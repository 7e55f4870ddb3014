"""What segments and outcomes do alike as a session's events advance their rules: each
page counted once, the counts kept on the session as increments, and the journey item a
definition leaves where its rule came to hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journey.definitions import Definition
from journey.items import derived
from journey.work import SessionWork
from storage.documents import EventDocument

_WHERE_AND_WHEN = ("dedupeKey", "clientEventId", "deploymentId", "cookieId", "occurredAt", "receivedAt", "page")
"""What a held item takes from the event that completed the rule; nothing of that event's own kind."""


class PagesOnce:
    """Events as the rules count them: a search found in a page's URL is an event of its
    own, but the page it shares with its page view was counted already."""

    def __init__(self) -> None:
        self._seen: set[Any] = set()

    def counted(self, doc: Mapping[str, Any]) -> Mapping[str, Any]:
        event = {**doc, "page": None} if doc.get("clientEventId") in self._seen else doc
        self._seen.add(doc.get("clientEventId"))
        return event


def record_counts(work: SessionWork, field: str, start: Mapping[str, int], counts: Mapping[str, int]) -> None:
    """Keep the session's new counts as increments of the stored ones, so what two
    instances count for one session adds up."""
    for key, value in counts.items():
        if value != start.get(key, 0):
            work.delta.increments[f"{field}.{key}"] = value - start.get(key, 0)


def held_item(
    work: SessionWork, trigger: EventDocument, definition: Definition, *, type: str, kind: str, **recorded: Any
) -> EventDocument:
    """The journey item saying the definition's rule held, where and when the event that
    completed it was."""
    return derived(
        {key: trigger.get(key) for key in _WHERE_AND_WHEN},
        f"{type}:{definition.id}",
        # One per session and definition, whichever event (or instance) gets there first.
        dedupeKey=f"{work.session_id}#{type}:{definition.id}",
        type=type,
        kind=kind,
        name=definition.name,
        query=None,
        **recorded,
    )
