"""Which of a connection's subscriptions already receive pushes, so a client can be told
when it may fetch its starting state without missing a change in between."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable


class SubscriptionStarts:
    """Subscriptions mark themselves started from their own task, once registered with the hub."""

    def __init__(self) -> None:
        self._started: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()
        self._changed = asyncio.Event()

    def started(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._started.add(task)
            self._changed.set()

    async def wait(self, tasks: Iterable[asyncio.Task], *, timeout: float) -> bool:
        """Until each task has started its subscription or ended; False if it took too long."""
        waiting = [task for task in tasks if task not in self._started and not task.done()]
        for task in waiting:
            task.add_done_callback(lambda _: self._changed.set())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(task not in self._started and not task.done() for task in waiting):
            self._changed.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return False
        return True
