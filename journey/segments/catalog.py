"""The segments held in the process, compiled for evaluation.

Every event is evaluated against every active segment, so the definitions live in
memory. A change made here is seen at once; a change made by another instance is seen
within `refresh_seconds` (see journey.versioned_catalog).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from journey.definitions import Compiled
from journey.segments.definitions import CUSTOMER, Segment
from journey.versioned_catalog import VersionedCatalog
from storage.segments import SEGMENTS


class Catalog(Compiled[Segment]):
    """The segments at one version: all of them by id, and the active ones as rules."""

    def __init__(self, version: int, segments: Iterable[Segment]) -> None:
        super().__init__(version, segments)
        self.carries_over = any(segment.scope == CUSTOMER for segment in self.by_id.values())
        """Whether a new session may start with segments its customer already holds."""

    @property
    def evaluates(self) -> bool:
        return bool(self.by_rule)

    def view(self, *, sees_hidden: bool) -> SegmentView:
        return SegmentView(self.by_id, sees_hidden)


class SegmentView:
    """The segments one caller may see: those shown to agents, or all of them for a
    caller who may edit segments."""

    def __init__(self, by_id: dict[str, Segment], sees_hidden: bool) -> None:
        self.sees_hidden = sees_hidden
        self._by_id = by_id

    def get(self, segment_id: str) -> Segment | None:
        """The segment, or None when it was deleted or is hidden from this caller."""
        segment = self._by_id.get(segment_id)
        if segment is None or not (segment.display_to_agent or self.sees_hidden):
            return None
        return segment

    def shown_ids(self) -> list[str]:
        return [segment_id for segment_id, segment in self._by_id.items() if segment.display_to_agent]


class SegmentCatalog(VersionedCatalog[Catalog]):
    stored = SEGMENTS

    def _compiled(self, version: int, docs: list[dict[str, Any]]) -> Catalog:
        return Catalog(version, map(Segment.from_doc, docs))
