"""Load shedding on the ingest doors (POST /collect and the mutations that ingest events):
a bounded number of batches in progress, and a refusal that tells the client when to come
back, rather than latency without bound."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import Unavailable, retry_after_seconds
from storage.database import STORE_UNREACHABLE
from telemetry.metrics import Metrics

STORE_UNAVAILABLE = "store: unavailable; retry later"
BUSY = "busy: too many batches in progress; retry later"


class Admission:
    def __init__(self, *, limit: int, store_timeout_seconds: float, metrics: Metrics) -> None:
        self.limit = limit
        self._metrics = metrics
        self.in_flight = 0
        # A store that did not answer within its timeout is not worth asking again sooner.
        self.retry_after = retry_after_seconds(store_timeout_seconds)

    def store_unreachable(self) -> Unavailable:
        """The answer to any request the store could not serve in time, whatever door it came
        through: nothing of it is confirmed, and it may be sent again after retry_after."""
        return Unavailable(STORE_UNAVAILABLE, retry_after=self.retry_after)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Holds a place while one batch is worked on. Raises Unavailable at once when every
        place is taken, and when the store cannot be reached during the batch; either is
        counted as a rejected batch (reason busy or store), whichever door it came through."""
        if self.in_flight >= self.limit:
            raise self._counted(Unavailable(BUSY, retry_after=self.retry_after))
        self.in_flight += 1
        try:
            yield
        except STORE_UNREACHABLE as error:
            raise self._counted(self.store_unreachable()) from error
        finally:
            self.in_flight -= 1

    def _counted(self, refusal: Unavailable) -> Unavailable:
        self._metrics.count_rejected_batch(str(refusal))
        return refusal
