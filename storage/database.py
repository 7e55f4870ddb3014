"""The PyMongo client, the collections, and their indexes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

import pymongo
from bson.codec_options import CodecOptions
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, OperationFailure

CODEC: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, tzinfo=UTC)

STORE_UNREACHABLE: tuple[type[Exception], ...] = (ConnectionFailure,)
"""Errors that mean the store could not be reached or did not answer in time (no server
selected within the client's timeout; no connection free, or no answer, within the
operation's bound; a connection refused or dropped), not a mistake in what was asked: the
same request can succeed later. Code outside storage/ names them through this."""


@dataclass(frozen=True, slots=True)
class Database:
    client: AsyncMongoClient
    db: AsyncDatabase
    unbounded: Database | None = None
    """The same store through a client without the per-operation bound, if this one has it."""

    @property
    def deployments(self) -> AsyncCollection:
        return self.db.deployments

    @property
    def customers(self) -> AsyncCollection:
        return self.db.customers

    @property
    def identities(self) -> AsyncCollection:
        return self.db.identities

    @property
    def sessions(self) -> AsyncCollection:
        return self.db.sessions

    @property
    def events(self) -> AsyncCollection:
        return self.db.events

    @property
    def api_keys(self) -> AsyncCollection:
        return self.db.api_keys

    @property
    def segments(self) -> AsyncCollection:
        return self.db.segments

    @property
    def outcomes(self) -> AsyncCollection:
        return self.db.outcomes

    @property
    def outcome_models(self) -> AsyncCollection:
        """The trained model of each outcome, one document per outcome."""
        return self.db.outcome_models

    @property
    def schedules(self) -> AsyncCollection:
        """When periodic work is next due, shared by every instance."""
        return self.db.schedules

    @property
    def versions(self) -> AsyncCollection:
        """Counters that tell every instance a cached collection changed."""
        return self.db.versions


def long_work(database: Database) -> Database:
    """The database for work that legitimately outlasts a request's bound on one
    operation (importing history, training models, building indexes on full collections):
    it takes as long as the store needs. A store that cannot be reached still fails it
    within the server-selection timeout; only one that hangs holds it."""
    return database.unbounded or database


async def until_answering(database: Database, *, seconds: float) -> None:
    """Returns once every client of the database has found the store, or raises after
    `seconds`: at start-up the store may take longer to answer than a request may wait."""
    clients = [database.client] + ([database.unbounded.client] if database.unbounded is not None else [])
    with pymongo.timeout(seconds):  # finding the server may take all of it
        for client in clients:
            await client.admin.command("ping")


async def ping(database: Database) -> None:
    """Raises a PyMongoError when the store does not answer."""
    await database.db.command("ping")


async def close(database: Database) -> None:
    """Closes the clients' connections; the Database is not used after this."""
    await database.client.close()
    if database.unbounded is not None:
        await database.unbounded.client.close()


def connect(
    uri: str, database: str, *, event_listeners: list | None = None, timeout_seconds: float = 10.0,
    operation_timeout_seconds: float | None = None,
) -> Database:
    """timeout_seconds: how long an operation waits for an unreachable store before it
    fails. operation_timeout_seconds: how long an operation waits for a connection, and
    then for each answer of the store (a new connection's handshake included), so a store
    that hangs with its connections open cannot hold a request without limit; None: no
    such bound. Work that legitimately runs longer uses long_work(database), which has none.

    The connection timeout keeps the driver's default: the embedded store may be busy for
    seconds with one large write, and a heartbeat given up on drops the pool. A bound on
    answers leaves heartbeats alone, and an operation timed out on an open connection
    closes that connection only. (Not the driver's timeoutMS: it would also stretch
    finding an unreachable store from timeout_seconds to the whole operation's bound.)"""

    def client(bound_ms: int | None) -> AsyncMongoClient:
        return AsyncMongoClient(
            uri,
            tz_aware=True,
            tzinfo=UTC,
            serverSelectionTimeoutMS=int(timeout_seconds * 1000),
            socketTimeoutMS=bound_ms,
            waitQueueTimeoutMS=bound_ms,
            # The driver would send an operation that timed out once more, doubling the
            # wait; the client's own retry, after Retry-After, is the one that counts.
            retryReads=bound_ms is None,
            retryWrites=bound_ms is None,
            event_listeners=event_listeners or [],
        )

    def opened(bound_ms: int | None) -> Database:
        store = client(bound_ms)
        return Database(client=store, db=store.get_database(database, codec_options=CODEC))

    if operation_timeout_seconds is None:
        return opened(None)
    return replace(opened(int(operation_timeout_seconds * 1000)), unbounded=opened(None))


def _indexes(retention_seconds: int) -> dict[str, list[IndexModel]]:
    return {
        "events": [
            IndexModel([("dedupeKey", ASCENDING)], name="dedupe", unique=True),
            IndexModel(
                [("sessionId", ASCENDING), ("occurredAt", ASCENDING), ("_id", ASCENDING)],
                name="journey",
            ),
            IndexModel([("customerId", ASCENDING)], name="customer"),
            # Beside `journey`: an embedded store serves only an equality on a single-field
            # index (without a sort), so reading sessions' items would otherwise read every event.
            IndexModel([("sessionId", ASCENDING)], name="session"),
            # Dedupe lookups are led by the browser: see storage.events.stored.
            IndexModel([("cookieId", ASCENDING)], name="cookie"),
            IndexModel(
                [("occurredAt", ASCENDING)], name="retention", expireAfterSeconds=retention_seconds
            ),
        ],
        "sessions": [
            # Beside _id in session upserts: an embedded store serves a new session's
            # upsert from it where an _id alone would read the whole collection.
            IndexModel([("cookieId", ASCENDING)], name="cookie"),
            IndexModel(
                [("customerId", ASCENDING), ("startedAt", DESCENDING), ("_id", DESCENDING)],
                name="cards",
            ),
            # Beside `cards`: an embedded store narrows a sorted read only through a
            # single-field index, so a customer's cards would otherwise read every session.
            IndexModel([("customerId", ASCENDING)], name="customer"),
            IndexModel(
                [("status", ASCENDING), ("lastActivityAt", ASCENDING)], name="sweep"
            ),
            # Beside `sweep`: an embedded store serves only an equality on a single-field
            # index, so the sweeper's lookup reads the active sessions, not every session.
            IndexModel([("status", ASCENDING)], name="status"),
            IndexModel(
                [("type", ASCENDING), ("status", ASCENDING), ("startedAt", DESCENDING),
                 ("_id", DESCENDING)],
                name="live",
            ),
            IndexModel(
                [("lastActivityAt", ASCENDING)],
                name="retention",
                expireAfterSeconds=retention_seconds,
            ),
        ],
        "identities": [
            IndexModel([("customerId", ASCENDING)], name="customer"),
            # Beside _id in a new browser's upsert, for the same reason as sessions' cookie.
            IndexModel([("value", ASCENDING)], name="value"),
        ],
        "customers": [
            IndexModel([("mergedInto", ASCENDING)], name="merged", sparse=True),
            IndexModel(
                [("lastSeenAt", ASCENDING)], name="retention", expireAfterSeconds=retention_seconds
            ),
        ],
        "merges": [IndexModel([("sourceId", ASCENDING), ("at", DESCENDING)], name="source")],
        "api_keys": [IndexModel([("prefix", ASCENDING)], name="prefix", unique=True)],
    }


async def ensure_indexes(database: Database, *, retention_seconds: int) -> None:
    """Create every index; safe to run at each start-up and from several instances."""
    # Building an index on a full collection takes as long as it takes.
    database = long_work(database)
    for collection, models in _indexes(retention_seconds).items():
        try:
            await database.db[collection].create_indexes(models)
        except OperationFailure as error:
            # A changed retention setting conflicts with the existing TTL index:
            # drop and recreate it rather than refuse to start.
            if error.code not in (85, 86):
                raise
            for model in models:
                name = model.document["name"]
                await database.db[collection].drop_index(name)
            await database.db[collection].create_indexes(models)
