"""What code that announces changes needs of the live channel: a place to publish to.

The live hub is one; an import, whose history is not news, passes one that drops
everything."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from live.topics import Message


class Publisher(Protocol):
    async def publish(self, messages: Iterable[Message]) -> None:
        """Send each (topic, payload) to that topic's subscribers; best effort."""
