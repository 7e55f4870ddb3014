"""The Starlette application. Its lifespan owns the store, the live hub and the sweeper."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from access.tokens import Authenticator
from app.body_limit import BodyLimitMiddleware
from app.collect import collect, preflight
from app.cors import graphql_cors, parse_origins
from app.graphql_view import JourneyGraphQL
from app.importing import import_events
from app.live_socket import DirectWriteMiddleware
from app.logs import RequestLogMiddleware
from app.metrics_endpoint import LiveConnectionsMiddleware, MetricsAccess, metrics_page
from app.probes import Readiness, livez, readyz
from app.rate_limit import RateLimiter
from app.websocket_guard import ConnectionLimits, CredentialWatch
from core.clock import Clock, SystemClock
from core.settings import Settings
from enrichment import warm_up
from journey import demo
from journey.admission import STORE_UNAVAILABLE, Admission
from journey.assembly import build_pipeline
from journey.outcomes.training import TrainingSchedule
from journey.sweeper import Sweeper
from live.hub import LiveHub
from resolvers.build import build_schema
from resolvers.context import Services
from storage import deployments
from storage.database import STORE_UNREACHABLE, close, connect, ensure_indexes, until_answering
from storage.embedded import EmbeddedStore
from telemetry.metrics import Metrics

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
STORE_START_SECONDS = 30.0
"""How long start-up waits for the store to answer; a request waits JOURNEY_STORE_TIMEOUT_SECONDS."""


async def store_unreachable(request: Request, error: Exception) -> JSONResponse:
    request.app.state.readiness.store_seen(reachable=False)
    return JSONResponse(
        {"error": STORE_UNAVAILABLE}, status_code=503,
        headers={"Retry-After": str(request.app.state.admission.retry_after)},
    )


def _proxy_headers(settings: Settings) -> list[Middleware]:
    """Only a proxy named in the settings may say who the client is (X-Forwarded-For):
    anyone else could claim any address, and with it a country and a rate-limit bucket."""
    if not settings.trusted_proxies:
        return []
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))]


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    command_listeners: list | None = None,
) -> Starlette:
    """command_listeners: PyMongo command monitors, for counting database round trips."""
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    metrics = Metrics()
    metrics_access = MetricsAccess(settings)
    metrics_access.validate()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = credential_watch = None
        uri = settings.mongodb_uri
        if not uri:
            store = EmbeddedStore(
                engine=settings.embedded_engine, path=settings.data_dir / "journey.sqlite"
            )
            uri = await store.start()
            store.supervise()
            log.info("embedded store (%s) at %s", settings.embedded_engine, uri)
        db = connect(
            uri, settings.database, event_listeners=[*(command_listeners or []), metrics.command_listener],
            timeout_seconds=settings.store_timeout_seconds,
            operation_timeout_seconds=settings.store_operation_timeout_seconds,
        )
        hub = LiveHub(
            settings.broadcast_url,
            queue_size=settings.live_queue_size,
            heartbeat_seconds=settings.live_heartbeat_seconds,
            metrics=metrics,
        )
        metrics.watch(subscribers=lambda: hub.subscriber_count)
        sweeper = Sweeper(
            db=db,
            hub=hub,
            clock=clock,
            timeout_seconds=settings.session_timeout_seconds,
            interval=settings.sweep_interval_seconds,
        )
        pipeline = build_pipeline(db=db, hub=hub, clock=clock, settings=settings, metrics=metrics)
        training = TrainingSchedule(
            db=db, clock=clock, trainer=pipeline.trainer,
            interval_seconds=settings.outcome_train_interval_seconds,
        )
        try:
            await until_answering(db, seconds=STORE_START_SECONDS)
            await ensure_indexes(db, retention_seconds=settings.retention_days * 86400)
            await deployments.ensure_default(db, now=clock.now())
            if settings.installs_demo:
                installed = await demo.install(db, now=clock.now())
                if installed.added:
                    log.info("demo segments and outcome added: %s", ", ".join(installed.added))
            await hub.start()
            # The GeoIP data takes a moment to load: not on a visitor's first request.
            await asyncio.to_thread(warm_up)
            authenticator = Authenticator(settings=settings, db=db)
            credential_watch = app.state.credential_watch = CredentialWatch(
                authenticator=authenticator, interval=settings.credential_check_seconds
            )
            app.state.services = Services(
                settings=settings,
                clock=clock,
                db=db,
                hub=hub,
                event_types=pipeline.event_types,
                ingestor=pipeline.ingestor,
                stitcher=pipeline.stitcher,
                segments=pipeline.segments,
                outcomes=pipeline.outcomes,
                importer=pipeline.importer,
                trainer=pipeline.trainer,
                authenticator=authenticator,
                admission=app.state.admission,
            )
            app.state.collect_limiter = RateLimiter(per_minute=settings.collect_rate_per_minute, clock=clock)
            readiness.attach(db=db, hub=hub)
            sweeper.start()
            training.start()
            credential_watch.start()
            yield
        finally:
            # Requests have drained (or run out of time) by now: stop what they relied on.
            readiness.draining = True
            try:
                async with asyncio.timeout(settings.shutdown_timeout_seconds):
                    if credential_watch is not None:
                        await credential_watch.stop()
                    await training.stop()
                    await sweeper.stop()
                    await hub.stop()
            except TimeoutError:
                log.warning("background work did not stop within %ss", settings.shutdown_timeout_seconds)
            await close(db)
            if store is not None:
                await store.stop()

    readiness = Readiness()
    origins = parse_origins(settings.cors_origins)
    graphql = graphql_cors(
        JourneyGraphQL(
            build_schema(settings), settings=settings, allowed_origins=origins,
        ),
        origins,
    )
    app = Starlette(
        routes=[
            Route("/metrics", metrics_page),
            Route("/livez", livez),
            Route("/readyz", readyz),
            Route("/healthz", readyz),
            Route("/collect", collect, methods=["POST"]),
            Route("/collect", preflight, methods=["OPTIONS"]),
            Route("/import", import_events, methods=["POST"]),
            # Every method reaches the view, so a wrong one is answered in GraphQL JSON too.
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", ConnectionLimits(
                graphql, max_per_client=settings.max_connections_per_client,
                max_init_bytes=settings.max_ws_init_bytes,
            )),
            Mount("/sdk", StaticFiles(directory=STATIC / "sdk"), name="sdk"),
            # GraphiQL's bundle is 3.5 MB; compressed it is a quarter of that.
            Mount("/graphiql", GZipMiddleware(StaticFiles(directory=STATIC / "graphiql")), name="graphiql"),
            Mount("/console", StaticFiles(directory=STATIC / "console", html=True), name="console"),
            Mount("/demo", StaticFiles(directory=STATIC / "demo", html=True), name="demo"),
        ],
        middleware=[
            Middleware(DirectWriteMiddleware),  # first: it needs the server's own send
            Middleware(RequestLogMiddleware, metrics=metrics),
            *_proxy_headers(settings),
            Middleware(
                BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                by_path={"/import": settings.max_import_bytes},
            ),
            Middleware(LiveConnectionsMiddleware, metrics=metrics),
        ],
        exception_handlers={exception: store_unreachable for exception in STORE_UNREACHABLE},
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    app.state.metrics_access = metrics_access
    app.state.settings = settings
    app.state.readiness = readiness
    app.state.admission = Admission(
        limit=settings.max_batches_in_flight, store_timeout_seconds=settings.store_timeout_seconds,
        metrics=metrics,
    )
    return app
