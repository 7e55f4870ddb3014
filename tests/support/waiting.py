"""Waiting on a fact with a deadline, instead of sleeping for a guessed time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import pytest

POLL_SECONDS = 0.01


async def until(fact: Callable[[], bool | Awaitable[bool]], what: Callable[[], str], timeout: float = 10) -> None:
    """Return as soon as fact() holds (a coroutine's answer is awaited); fail with what(),
    asked when the time is up, after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        held = fact()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not within {timeout:g} s: {what()}")
        await asyncio.sleep(POLL_SECONDS)
