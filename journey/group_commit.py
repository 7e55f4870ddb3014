"""Concurrent batches of one deployment share one pipeline pass (group commit).

Every pass costs the same fixed number of store round trips whatever its size, so twenty
browsers sending one event each cost one pass instead of twenty. Batches queue per
deployment; a pass takes the queued batches in arrival order up to `max_events` events and
starts as soon as the previous pass of that deployment ends: nothing waits for a timer,
and a batch that finds no pass running starts one at once. Each batch is answered with
its own receipts, sessions and customers; a pass that fails fails each of its batches
with the same error, and one that found the store away fails the batches queued behind it
too, rather than have them wait out another timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from storage.database import STORE_UNREACHABLE

if TYPE_CHECKING:  # the ingest pipeline builds its group commit: a type-only import back
    from journey.ingest import IngestResult, RawEvent

RunPass = Callable[[str, list["RawEvent"]], Awaitable["IngestResult"]]
_POSITION = re.compile(r"^events\[(\d+)\]")


@dataclasses.dataclass(slots=True)
class _Queued:
    batch: list[RawEvent]
    answer: asyncio.Future[IngestResult]


class GroupCommit:
    def __init__(self, run_pass: RunPass, *, max_events: int) -> None:
        self._run_pass = run_pass
        self._max_events = max_events
        self._queues: dict[str, deque[_Queued]] = {}
        self._passes: dict[str, asyncio.Task[None]] = {}
        self.passes_run = 0

    async def submit(self, deployment_id: str, batch: list[RawEvent]) -> IngestResult:
        """The batch's own result, from whichever pass carried it."""
        queued = _Queued(batch, asyncio.get_running_loop().create_future())
        # Read even when the caller has gone, so an abandoned failure is not reported as unread.
        queued.answer.add_done_callback(lambda answer: answer.cancelled() or answer.exception())
        self._queues.setdefault(deployment_id, deque()).append(queued)
        if deployment_id not in self._passes:
            self._passes[deployment_id] = asyncio.create_task(self._drain(deployment_id))
        # Shielded: a caller that goes away leaves its batch to the pass, which is
        # stored or refused whole like any other (the client's resend answers duplicate).
        return await asyncio.shield(queued.answer)

    async def _drain(self, deployment_id: str) -> None:
        queue = self._queues[deployment_id]
        try:
            while queue:
                store_away = await self._carry(deployment_id, self._take(queue))
                if store_away is not None:
                    # The batches queued behind would wait out another store timeout for
                    # the same answer: they are refused now, and sent again by their clients.
                    while queue:
                        behind = queue.popleft()
                        if not behind.answer.done():
                            behind.answer.set_exception(store_away)
        finally:
            del self._passes[deployment_id]
            if queue:  # cancelled with batches still queued
                for queued in queue:
                    queued.answer.cancel()
            del self._queues[deployment_id]

    def _take(self, queue: deque[_Queued]) -> list[_Queued]:
        taken = [queue.popleft()]
        size = len(taken[0].batch)
        while queue and size + len(queue[0].batch) <= self._max_events:
            size += len(queue[0].batch)
            taken.append(queue.popleft())
        return taken

    async def _carry(self, deployment_id: str, taken: list[_Queued]) -> BaseException | None:
        """Runs one pass; returns its error if it found the store away."""
        self.passes_run += 1
        combined = [event for queued in taken for event in queued.batch]
        try:
            result = await self._run_pass(deployment_id, combined)
        except asyncio.CancelledError:
            for queued in taken:
                queued.answer.cancel()
            raise
        except Exception as error:  # each batch fails as it would have alone
            for queued in taken:
                if not queued.answer.done():
                    queued.answer.set_exception(error)
            return error if isinstance(error, STORE_UNREACHABLE) else None
        start = 0
        for queued in taken:
            if not queued.answer.done():
                queued.answer.set_result(_part(result, start, len(queued.batch)))
            start += len(queued.batch)
        return None


def _part(result: IngestResult, start: int, size: int) -> IngestResult:
    """One batch's share of a pass's result, its events numbered from 0 again."""
    receipts = result.events[start:start + size]
    for receipt in receipts:
        if receipt.reason is not None:
            receipt.reason = _POSITION.sub(lambda match: f"events[{int(match[1]) - start}]", receipt.reason)
    own_sessions = {receipt.session_id for receipt in receipts if receipt.session_id}
    session_ids = [sid for sid in result.session_ids if sid in own_sessions]
    return dataclasses.replace(
        result,
        events=receipts,
        customer_ids=sorted({result.session_customers[sid] for sid in session_ids}),
        session_ids=session_ids,
        session_customers={sid: result.session_customers[sid] for sid in session_ids},
    )
