"""The ingest pipeline shared by POST /collect and the trackEvents mutation.

validate → resolve identity → sessionise → persist (bulk) → publish.
One batch costs a fixed number of database round trips, whatever its size.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bson import ObjectId

from app.clock import Clock
from app.settings import Settings
from journey.errors import InvalidInput
from journey.icons import icon_for
from journey.incoming import Limits, TrackedEvent, parse_event, search_in_url, text
from journey.sessionize import SessionCursor, assign_sessions, session_id
from live import topics
from live.hub import LiveHub
from storage import customers, deployments, events, identities, sessions
from storage.database import Database
from storage.sessions import SessionDelta

_KIND = {"pageview": "PAGEVIEW", "search": "SEARCH", "custom": "CUSTOM"}
_DEPLOYMENT_CACHE_SECONDS = 5.0


@dataclass(slots=True)
class EventReceipt:
    id: str | None
    status: str  # accepted | duplicate | rejected
    reason: str | None = None
    session_id: str | None = None


@dataclass(slots=True)
class IngestResult:
    events: list[EventReceipt]
    customer_ids: list[str] = field(default_factory=list)
    session_ids: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        tally = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for receipt in self.events:
            tally[receipt.status] += 1
        return tally


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One event as a client sent it, with the browser (cookie) it came from."""

    payload: Any
    cookie_id: Any


class Ingestor:
    def __init__(self, *, db: Database, hub: LiveHub, clock: Clock, settings: Settings) -> None:
        self._db = db
        self._hub = hub
        self._clock = clock
        self._settings = settings
        self._deployments: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def deployment(self, deployment_id: str) -> dict[str, Any] | None:
        """Deployments change rarely; a short cache saves a round trip per batch."""
        cached = self._deployments.get(deployment_id)
        if cached is not None and time.monotonic() - cached[0] < _DEPLOYMENT_CACHE_SECONDS:
            return cached[1]
        found = await deployments.find(self._db, deployment_id=deployment_id)
        self._deployments[deployment_id] = (time.monotonic(), found)
        return found

    def forget_deployment(self, deployment_id: str) -> None:
        self._deployments.pop(deployment_id, None)

    async def ingest(self, *, deployment_id: Any, batch: list[RawEvent]) -> IngestResult:
        """Ingest a batch. Batch-level mistakes raise InvalidInput; event-level ones are
        answered per event."""
        settings = self._settings
        deployment_id = text(deployment_id, "deploymentId", limit=64)
        if not batch:
            raise InvalidInput("events", "must contain at least one event")
        if len(batch) > settings.max_batch_events:
            raise InvalidInput("events", f"has more than {settings.max_batch_events} events")
        if await self.deployment(deployment_id) is None:
            raise InvalidInput("deploymentId", f"unknown deployment '{deployment_id}'")

        now = self._clock.now()
        limits = Limits(
            now=now,
            max_age=timedelta(seconds=settings.max_event_age_seconds),
            max_skew=timedelta(seconds=settings.max_clock_skew_seconds),
            search_params=settings.search_query_params,
        )
        receipts: list[EventReceipt] = []
        accepted: list[tuple[int, TrackedEvent]] = []
        seen_in_batch: set[tuple[str, str]] = set()
        for index, raw in enumerate(batch):
            path = f"events[{index}]"
            client_id = raw.payload.get("id") if isinstance(raw.payload, dict) else None
            receipts.append(EventReceipt(id=client_id if isinstance(client_id, str) else None, status="accepted"))
            try:
                cookie = text(raw.cookie_id, "cookieId", limit=128)
                event = parse_event(raw.payload, path, cookie_id=cookie, limits=limits)
            except InvalidInput as error:
                receipts[index].status, receipts[index].reason = "rejected", str(error)
                continue
            if (event.cookie_id, event.client_id) in seen_in_batch:
                receipts[index].status = "duplicate"
                continue
            seen_in_batch.add((event.cookie_id, event.client_id))
            accepted.append((index, event))

        # Each tracked event may yield more than one journey item (a pageview whose
        # URL carries a search term also yields a SEARCH item).
        items: list[tuple[int, dict[str, Any]]] = []
        for index, event in accepted:
            for document in self._documents(event, deployment_id, now, limits):
                items.append((index, document))

        known = await events.existing_dedupe_keys(self._db, keys=(doc["dedupeKey"] for _, doc in items))
        duplicate_receipts = {index for index, doc in items if doc["dedupeKey"] in known}
        items = [(index, doc) for index, doc in items if index not in duplicate_receipts]
        if not items:
            for index in duplicate_receipts:
                receipts[index].status = "duplicate"
            return IngestResult(events=receipts)

        cookies = await identities.claim_cookies(
            self._db, cookie_ids=(doc["cookieId"] for _, doc in items), now=now
        )
        deltas, cursors, superseded = self._sessionise(items, cookies, deployment_id)
        await customers.touch(
            self._db,
            seen={
                delta.customer_id: delta.last_activity_at for delta in deltas.values()
            },
            now=now,
        )
        lost_races = await events.insert_new(self._db, documents=[doc for _, doc in items])
        if lost_races:
            duplicate_receipts |= {items[position][0] for position in lost_races}
            self._forget(deltas, [doc for position, (_, doc) in enumerate(items) if position in lost_races])
            items = [item for position, item in enumerate(items) if position not in lost_races]
        for index in duplicate_receipts:
            receipts[index].status = "duplicate"
        for index, doc in items:
            receipts[index].session_id = doc["sessionId"]

        await sessions.apply(self._db, deltas=(d for d in deltas.values() if d.events))
        await identities.advance_cursors(self._db, cursors=cursors)
        touched = await sessions.by_ids(self._db, ids=[sid for sid, d in deltas.items() if d.events])
        await self._publish(items, touched, cookies)
        for session_id_ in superseded:
            await self._end_superseded(session_id_)
        return IngestResult(
            events=receipts,
            customer_ids=sorted({doc["customerId"] for doc in touched}),
            session_ids=[doc["_id"] for doc in touched],
        )

    def _documents(
        self, event: TrackedEvent, deployment_id: str, now, limits: Limits
    ) -> list[dict[str, Any]]:
        base_key = f"{deployment_id}/{event.cookie_id}/{event.client_id}"
        document = {
            "_id": ObjectId(),
            "dedupeKey": base_key,
            "clientEventId": event.client_id,
            "deploymentId": deployment_id,
            "cookieId": event.cookie_id,
            "kind": _KIND[event.type],
            "name": event.name or event.type,
            "occurredAt": event.occurred_at,
            "receivedAt": now,
            "page": event.page,
            "referrer": event.referrer,
            "query": event.query,
            "attributes": event.attributes,
        }
        document["icon"] = icon_for(document)
        documents = [document]
        if event.type == "pageview" and event.page:
            query = search_in_url(event.page["url"], limits.search_params)
            if query:
                derived = {
                    **document,
                    "_id": ObjectId(),
                    "dedupeKey": f"{base_key}#search",
                    "kind": "SEARCH",
                    "name": "search",
                    "query": query,
                    "referrer": None,
                }
                derived["icon"] = icon_for(derived)
                documents.append(derived)
        return documents

    def _sessionise(self, items, cookies, deployment_id):
        timeout = timedelta(seconds=self._settings.session_timeout_seconds)
        by_cookie: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for _, doc in items:
            by_cookie[doc["cookieId"]].append(doc)
        deltas: dict[str, SessionDelta] = {}
        cursors: dict[str, tuple[int, Any]] = {}
        superseded: list[str] = []
        for cookie, docs in by_cookie.items():
            identity = cookies[cookie]
            web = identity.get("web") or {}
            cursor = SessionCursor(
                seq=web.get("seq", 0),
                last_activity=web.get("lastActivityAt"),
                closed=bool(web.get("closed")),
            )
            docs.sort(key=lambda doc: doc["occurredAt"])
            numbers, after = assign_sessions(cursor, [doc["occurredAt"] for doc in docs], timeout)
            if cursor.seq and after.seq > cursor.seq:
                superseded.append(session_id(cookie, cursor.seq))
            cursors[cookie] = (after.seq, after.last_activity)
            for doc, seq in zip(docs, numbers):
                sid = session_id(cookie, seq)
                doc["sessionId"] = sid
                doc["customerId"] = identity["customerId"]
                delta = deltas.get(sid)
                if delta is None:
                    delta = deltas[sid] = SessionDelta(
                        session_id=sid,
                        customer_id=identity["customerId"],
                        cookie_id=cookie,
                        deployment_id=deployment_id,
                        seq=seq,
                        started_at=doc["occurredAt"],
                        last_activity_at=doc["occurredAt"],
                    )
                self._count(delta, doc)
        return deltas, cursors, superseded

    @staticmethod
    def _count(delta: SessionDelta, doc: dict[str, Any], sign: int = 1) -> None:
        delta.events += sign
        delta.started_at = min(delta.started_at, doc["occurredAt"])
        delta.last_activity_at = max(delta.last_activity_at, doc["occurredAt"])
        if doc["kind"] == "PAGEVIEW":
            delta.pageviews += sign
            if sign > 0:
                delta.last_page = {**doc["page"], "at": doc["occurredAt"]}
        if doc["kind"] == "SEARCH" and sign > 0:
            delta.searches.append({"query": doc["query"], "occurredAt": doc["occurredAt"]})

    def _forget(self, deltas: dict[str, SessionDelta], lost: list[dict[str, Any]]) -> None:
        """Events another writer stored first must not be counted twice."""
        for doc in lost:
            delta = deltas[doc["sessionId"]]
            self._count(delta, doc, sign=-1)
            if doc["kind"] == "SEARCH":
                delta.searches = [s for s in delta.searches if s["occurredAt"] != doc["occurredAt"] or s["query"] != doc["query"]]

    async def _publish(self, items, touched, cookies) -> None:
        messages: list[tuple[str, Any]] = []
        for _, doc in sorted(items, key=lambda item: (item[1]["occurredAt"], item[1]["_id"])):
            messages.append((topics.journey(doc["sessionId"]), doc))
        previous_seq = {
            cookie: (identity.get("web") or {}).get("seq", 0) for cookie, identity in cookies.items()
        }
        for session in touched:
            created = session["seq"] > previous_seq.get(session["cookieId"], 0)
            messages.extend(topics.session_change("CREATED" if created else "UPDATED", session))
        await self._hub.publish(messages)

    async def _end_superseded(self, superseded_id: str) -> None:
        """A new session began after a long gap: end the previous one now rather than
        wait for the sweeper; the conditional update makes sure only one instance tells."""
        ended = await sessions.end_if_idle(
            self._db, session_id=superseded_id, idle_before=None, now=self._clock.now()
        )
        if ended is not None:
            await self._hub.publish(topics.session_change("INACTIVE", ended))
