"""What every resolver can reach: the services, the caller, and the per-request loaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from access.principal import Principal
from access.tokens import Authenticator
from core.clock import Clock
from core.settings import Settings
from journey.admission import Admission
from journey.event_types import EventTypes
from journey.identify.stitching import Stitcher
from journey.ingest import Ingestor
from journey.outcomes.catalog import OutcomeCatalog
from journey.outcomes.training import OutcomeTrainer
from journey.segments.catalog import SegmentCatalog
from live.hub import LAGGED_CLOSE_CODE, LAGGED_CLOSE_REASON, LiveHub
from live.starts import SubscriptionStarts
from loaders import Loaders
from storage.database import Database


@dataclass(slots=True)
class Services:
    settings: Settings
    clock: Clock
    db: Database
    hub: LiveHub
    event_types: EventTypes
    ingestor: Ingestor
    authenticator: Authenticator
    stitcher: Stitcher
    segments: SegmentCatalog
    outcomes: OutcomeCatalog
    importer: Ingestor
    """The ingest pipeline for historical events: accepts old ones, pushes nothing."""
    trainer: OutcomeTrainer
    admission: Admission
    """Batches in progress, shared by every door that ingests events (POST /collect too)."""


@dataclass
class Context:
    services: Services
    request: Any = None
    response: Any = None
    principal: Principal | None = None
    connection_params: dict[str, Any] | None = None
    subscription_starts: SubscriptionStarts = field(default_factory=SubscriptionStarts)
    """On a WebSocket: which of the connection's subscriptions receive pushes already."""
    _loaders: Loaders | None = field(default=None, repr=False)
    close_lagged: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)
    """How a subscription that fell behind its topic drops its subscribers; default: this
    context's own socket."""

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.services.db, self.require_principal(), self.services.segments)
        return self._loaders

    def renew_loaders(self) -> Loaders:
        """A subscription asks for fresh loaders per pushed event, so nothing stale is served."""
        self._loaders = None
        return self.loaders

    async def drop_lagged(self) -> None:
        if self.close_lagged is not None:
            await self.close_lagged()
        elif self.request is not None:
            await self.request.close(code=LAGGED_CLOSE_CODE, reason=LAGGED_CLOSE_REASON)

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise PermissionError("not authenticated")
        return self.principal
