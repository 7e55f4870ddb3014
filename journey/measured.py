"""The ingest pipeline with its metrics: batches and events by outcome, ingest latency,
outcome scoring time. The pipeline itself knows nothing of them."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Histogram

from core.errors import InvalidInput
from journey.ingest import Ingestor, IngestResult, RawEvent
from journey.work import SessionWork, Stage
from telemetry.metrics import Metrics


class MeasuredIngestor(Ingestor):
    def __init__(self, *, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics

    async def ingest(self, *, deployment_id: Any, batch: list[RawEvent]) -> IngestResult:
        started = time.perf_counter()
        try:
            result = await super().ingest(deployment_id=deployment_id, batch=batch)
        except InvalidInput as error:
            self._metrics.count_rejected_batch(error.field)
            raise
        self._metrics.ingest_seconds.observe(time.perf_counter() - started)
        self._metrics.count_receipts([(receipt.status, receipt.reason) for receipt in result.events])
        return result


class TimedStage:
    """A stage whose per-session work is observed in a histogram."""

    def __init__(self, stage: Stage, histogram: Histogram) -> None:
        self._stage = stage
        self._histogram = histogram

    async def prepare(self, works: list[SessionWork]) -> None:
        await self._stage.prepare(works)

    def process(self, work: SessionWork) -> None:
        started = time.perf_counter()
        self._stage.process(work)
        self._histogram.observe(time.perf_counter() - started)
