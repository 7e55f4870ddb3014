"""Load shedding on the ingest door: a bounded number of batches in progress, and a 503
that tells the client when to come back, rather than latency without bound."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.errors import ConnectionFailure

STORE_UNREACHABLE = (ConnectionFailure,)
"""Errors that mean the store could not be reached (not a mistake in what was asked):
the same request can succeed later."""


class Admission:
    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """Yields whether the request may go ahead; its place is kept until it ends."""
        if self.in_flight >= self.limit:
            yield False
            return
        self.in_flight += 1
        try:
            yield True
        finally:
            self.in_flight -= 1
