"""The ingest pipeline put together, read top to bottom: the event types a client may send
(with the journey items and icons they become), then the stages each batch goes through,
then the live door and the history door.

The service, the command line and the benchmarks all build it here, so an import from
any of them gives the same sessions, segments and outcomes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from core.clock import Clock
from core.settings import Settings
from journey.context import VisitContextStage
from journey.engagements.events import ENGAGEMENT
from journey.engagements.stage import EngagementStage
from journey.event_types import CUSTOM, PAGEVIEW, SEARCH, EventTypes
from journey.forms.events import FORM_ABANDONED, FORM_SUBMITTED
from journey.forms.stage import FormFieldStage
from journey.identify.events import LOGOUT, identify_type
from journey.identify.stitching import Stitcher
from journey.importing import IdleOnArrival, SilentHub
from journey.ingest import Ingestor
from journey.measured import MeasuredIngestor, TimedStage
from journey.outcomes.catalog import OutcomeCatalog
from journey.outcomes.stage import OutcomeStage
from journey.outcomes.training import OutcomeTrainer
from journey.segments.catalog import SegmentCatalog
from journey.segments.stage import SegmentStage
from journey.work import Stage
from live.publishing import Publisher
from storage import conversations
from storage.database import Database, long_work
from telemetry.metrics import Metrics

ADDED_ITEM_ICONS: Mapping[str, str] = MappingProxyType({
    "segment": "Segment matched (in the segment's colour)",
    "outcome": "Outcome achieved",
    "conversation": "Conversation",
    **{f"conversation-{milestone}": label for _, milestone, label in conversations.MILESTONES},
})
"""Icons of the items no client sends: the pipeline and recorded conversations add them."""


def event_types(*, phone_default_region: str) -> EventTypes:
    """Every type a client may send, in the order an unknown type's rejection lists them."""
    return EventTypes.of(
        [
            PAGEVIEW,
            SEARCH,
            CUSTOM,
            identify_type(default_region=phone_default_region),
            LOGOUT,
            ENGAGEMENT,
            FORM_SUBMITTED,
            FORM_ABANDONED,
        ],
        legend=ADDED_ITEM_ICONS,
    )


@dataclass(frozen=True, slots=True)
class Pipeline:
    event_types: EventTypes
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
    types = event_types(phone_default_region=settings.phone_default_region)
    stitcher = Stitcher(db=db, hub=hub, clock=clock)
    segments = SegmentCatalog(db=db, clock=clock, refresh_seconds=settings.segment_refresh_seconds)
    outcomes = OutcomeCatalog(db=db, clock=clock, refresh_seconds=settings.outcome_refresh_seconds)
    # Each batch's sessions go through these in order, between sessionising and storing.
    stages: list[Stage] = [
        # First: an engagement move that is not allowed is refused before any stage counts it.
        EngagementStage(),
        # Form fields the deployment does not allow are gone before anything reads them.
        # Late-bound: the ingestor's cached deployment lookup, made just below.
        FormFieldStage(lambda deployment_id: ingestor.deployment(deployment_id)),
        # The visit context (device, country, campaign) that segments and outcomes match on.
        VisitContextStage(anonymise_ip=settings.anonymise_ip),
        SegmentStage(db=db, catalog=segments),
        # After segments: outcome features count the segments this batch matched.
        TimedStage(OutcomeStage(catalog=outcomes, db=db), metrics.scoring_seconds),
    ]
    ingestor = MeasuredIngestor(
        metrics=metrics, db=db, hub=hub, clock=clock, settings=settings, event_types=types,
        stitcher=stitcher, stages=stages,
    )
    silent = SilentHub()
    # Importing history and training are long work: a busy store may hold one of their
    # operations longer than a request may wait, and cutting them off would waste them.
    importer = Ingestor(
        db=long_work(db), hub=silent, clock=clock, event_types=types,
        # Anything retention would keep may be imported; older events would be removed at once.
        settings=dataclasses.replace(settings, max_event_age_seconds=settings.retention_days * 86400),
        stitcher=Stitcher(db=long_work(db), hub=silent, clock=clock),
        stages=[*stages, IdleOnArrival(clock=clock, timeout_seconds=settings.session_timeout_seconds)],
    )
    trainer = OutcomeTrainer(
        db=long_work(db), clock=clock, catalog=outcomes,
        session_timeout_seconds=settings.session_timeout_seconds,
        sessions=settings.outcome_training_sessions, kinds=settings.outcome_model_kinds,
    )
    return Pipeline(types, ingestor, importer, stitcher, segments, outcomes, trainer)
