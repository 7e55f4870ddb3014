"""Historical import: past events, with their own timestamps, through the same pipeline
as live ones, so sessions, identities, segments and outcomes come out as if the events
had arrived live, but without telling live subscribers: history is not news.

Event ids make a re-import of the same rows change nothing (they are duplicates).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from core.clock import Clock
from core.errors import InvalidInput
from journey.history import Row, in_pipeline_order
from journey.ingest import Ingestor, RawEvent
from journey.work import SessionWork
from live.topics import Message

MAX_REJECTIONS_LISTED = 100
"""A summary names this many rejected rows; a bad file should not flood the answer."""
_POSITION = re.compile(r"^events\[\d+\]\.?")


class SilentHub:
    """The publisher where nothing is to be pushed."""

    async def publish(self, messages: Iterable[Message]) -> None:
        pass


class IdleOnArrival:
    """A stage for imports: a session already idle past the timeout is stored INACTIVE,
    as the sweeper would have left it, so the sweeper never finds it to announce."""

    def __init__(self, *, clock: Clock, timeout_seconds: int) -> None:
        self._clock = clock
        self._timeout = timedelta(seconds=timeout_seconds)

    async def prepare(self, works: list[SessionWork]) -> None:
        pass

    def process(self, work: SessionWork) -> None:
        last = work.delta.last_activity_at
        if work.stored is not None:
            last = max(last, work.stored["lastActivityAt"])
        if self._clock.now() - last >= self._timeout:
            work.delta.sets.update({"status": "INACTIVE", "endedAt": last + self._timeout})


@dataclass(slots=True)
class ImportSummary:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    """(line, reason) of the first MAX_REJECTIONS_LISTED rejected rows, in line order."""
    session_ids: set[str] = field(default_factory=set)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REJECTIONS_LISTED:
            self.rejections.append((line, reason))

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted, "duplicate": self.duplicate, "rejected": self.rejected,
            "sessions": len(self.session_ids),
            "rejections": [{"line": line, "reason": reason} for line, reason in sorted(self.rejections)],
        }


async def import_rows(
    importer: Ingestor, rows: Iterable[Row], *, deployment_id: str, batch_size: int,
    progress: Callable[[int], object] | None = None,
) -> ImportSummary:
    """Feed rows to the importer (an Ingestor that accepts old events and pushes nothing)
    browser by browser in time order; `progress` hears how many rows each step settled."""
    if not isinstance(deployment_id, str) or await importer.deployment(deployment_id) is None:
        raise InvalidInput("deployment", f"unknown deployment '{deployment_id}'")
    summary = ImportSummary()
    readable = []
    for row in rows:
        if row.problem is None:
            readable.append(row)
        else:
            summary.reject(row.line, row.problem)
    if progress is not None and summary.rejected:
        progress(summary.rejected)
    for batch in in_pipeline_order(readable, batch_size):
        result = await importer.ingest(
            deployment_id=deployment_id,
            batch=[
                RawEvent(payload=row.event, cookie_id=row.cookie_id, source=row.source, trusted=True) for row in batch
            ],
        )
        for row, receipt in zip(batch, result.events, strict=True):
            if receipt.status == "accepted":
                summary.accepted += 1
            elif receipt.status == "duplicate":
                summary.duplicate += 1
            else:
                summary.reject(row.line, _without_position(receipt.reason or "rejected"))
        summary.session_ids.update(result.session_ids)
        if progress is not None:
            progress(len(batch))
    return summary


def _without_position(reason: str) -> str:
    """The pipeline names an event by its place in a batch; an import names its line."""
    reason = _POSITION.sub("", reason)
    return "event" + reason if reason.startswith(":") else reason
