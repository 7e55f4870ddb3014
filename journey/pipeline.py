"""The ingest pipeline put together: its stages, the live door and the history door.

The service and the command line build it the same way, so an import from either
gives the same sessions, segments and outcomes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.clock import Clock
from core.settings import Settings
from journey.context import VisitContextStage
from journey.engagements import EngagementStage
from journey.form_fields import FormFieldStage
from journey.importing import IdleOnArrival, SilentHub
from journey.ingest import Ingestor
from journey.measured import MeasuredIngestor, TimedStage
from journey.outcome_catalog import OutcomeCatalog
from journey.outcome_training import OutcomeTrainer
from journey.outcomes import OutcomeStage
from journey.segment_catalog import SegmentCatalog
from journey.segmenting import SegmentStage
from journey.stitching import Stitcher
from journey.work import Stage
from live.publishing import Publisher
from storage.database import Database
from telemetry.metrics import Metrics


@dataclass(frozen=True, slots=True)
class Pipeline:
    ingestor: Ingestor
    """Live events: at most an hour old; what they change is pushed to subscribers.
    Counted and timed in the service's metrics."""
    importer: Ingestor
    """Historical events: as old as the retention allows; nothing is pushed."""
    stitcher: Stitcher
    segments: SegmentCatalog
    outcomes: OutcomeCatalog
    trainer: OutcomeTrainer


def build_pipeline(
    *, db: Database, hub: Publisher, clock: Clock, settings: Settings, metrics: Metrics | None = None,
) -> Pipeline:
    metrics = metrics or Metrics()
    stitcher = Stitcher(db=db, hub=hub, clock=clock)
    segments = SegmentCatalog(db=db, clock=clock, refresh_seconds=settings.segment_refresh_seconds)
    outcomes = OutcomeCatalog(db=db, clock=clock, refresh_seconds=settings.outcome_refresh_seconds)
    stages: list[Stage] = [
        EngagementStage(),
        # Late-bound: the ingestor's cached deployment lookup, made just below.
        FormFieldStage(lambda deployment_id: ingestor.deployment(deployment_id)),
        VisitContextStage(anonymise_ip=settings.anonymise_ip),
        SegmentStage(db=db, catalog=segments),
        TimedStage(OutcomeStage(catalog=outcomes, db=db), metrics.scoring_seconds),
    ]
    ingestor = MeasuredIngestor(
        metrics=metrics, db=db, hub=hub, clock=clock, settings=settings, stitcher=stitcher, stages=stages
    )
    silent = SilentHub()
    importer = Ingestor(
        db=db, hub=silent, clock=clock,
        # Anything retention would keep may be imported; older events would be removed at once.
        settings=dataclasses.replace(settings, max_event_age_seconds=settings.retention_days * 86400),
        stitcher=Stitcher(db=db, hub=silent, clock=clock),
        stages=[*stages, IdleOnArrival(clock=clock, timeout_seconds=settings.session_timeout_seconds)],
    )
    trainer = OutcomeTrainer(
        db=db, clock=clock, catalog=outcomes,
        session_timeout_seconds=settings.session_timeout_seconds,
        sessions=settings.outcome_training_sessions, kinds=settings.outcome_model_kinds,
    )
    return Pipeline(ingestor, importer, stitcher, segments, outcomes, trainer)
