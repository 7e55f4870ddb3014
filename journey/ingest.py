"""The ingest pipeline shared by POST /collect and the trackEvents mutation.

validate → resolve identity → sessionise → persist (bulk) → publish.
One batch costs a fixed number of database round trips, whatever its size.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cachetools import TTLCache

from core.clock import Clock
from core.errors import InvalidInput
from core.settings import Settings
from identity import InvalidIdentity, normalize_cookie_id
from journey.browser_locks import BrowserLocks
from journey.deployment_ids import is_deployment_id
from journey.event_types import EventTypes
from journey.identify.stitching import Stitcher
from journey.identify.verification import split_claims
from journey.incoming import Limits, Source, TrackedEvent, parse_event, text
from journey.items import journey_items
from journey.sessionize import SessionCursor, assign_sessions, session_id
from journey.work import SessionWork, Stage, count, customer_changes, customer_counters
from live import topics
from live.publishing import Publisher
from live.topics import Message
from storage import customers, deployments, events, identities, sessions
from storage.database import Database
from storage.sessions import SessionDelta

_DEPLOYMENT_CACHE_SECONDS = 5.0
_DEPLOYMENT_CACHE_ENTRIES = 10_000
_ACTIONS = ("identify", "logout")
_LOGOUT_NAMESPACE = uuid.UUID("3b1f6a52-9d0e-4c7b-8e2a-5f4d1c9b7a60")


def batch_token(items: list[dict[str, Any]]) -> str:
    """Names what one batch adds to one session by its tracked items, so the retry of a
    batch (the same events) carries the same token."""
    keys = "\n".join(sorted(doc["dedupeKey"] for doc in items))
    return hashlib.sha256(keys.encode()).hexdigest()[:24]


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
    source: Source | None = None
    trusted: bool = False
    """Sent by a caller holding a permission (a site's server): its identities need no signature."""


def _well_formed_cookie_ids(batch: list[RawEvent]) -> set[str]:
    """The browsers a batch speaks for; a malformed id is refused per event later."""
    ids = set()
    for raw in batch:
        try:
            ids.add(cookie_id_of(raw.cookie_id))
        except InvalidInput:
            pass
    return ids


def cookie_id_of(raw: Any) -> str:
    if raw is None:
        raise InvalidInput("cookieId", "is required")
    if not isinstance(raw, str):
        raise InvalidInput("cookieId", "must be a string")
    try:
        return normalize_cookie_id(raw)
    except InvalidIdentity as error:
        raise InvalidInput("cookieId", error.reason) from None


def passes(items: list[tuple[int, dict[str, Any]]]) -> list[list[tuple[int, dict[str, Any]]]]:
    """Split a batch after each logout: what a browser does after logging out belongs to
    the new anonymous customer, so it is stored after the logout has taken effect."""
    by_cookie: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for entry in sorted(items, key=lambda entry: entry[1]["occurredAt"]):
        by_cookie[entry[1]["cookieId"]].append(entry)
    rounds: list[list[tuple[int, dict[str, Any]]]] = []
    for entries in by_cookie.values():
        round_number = 0
        for entry in entries:
            while len(rounds) <= round_number:
                rounds.append([])
            rounds[round_number].append(entry)
            if entry[1]["type"] == "logout":
                round_number += 1
    return rounds


class Ingestor:
    def __init__(
        self, *, db: Database, hub: Publisher, clock: Clock, settings: Settings, event_types: EventTypes,
        stages: list[Stage] | None = None,
        stitcher: Stitcher | None = None,
    ) -> None:
        self.event_types = event_types
        self.stages: list[Stage] = stages or []
        self.stitcher = stitcher
        self._db = db
        self._hub = hub
        self._clock = clock
        self._settings = settings
        # Keyed by ids from browsers: only well-formed ids get in, and only so many.
        self._deployments: TTLCache[str, dict[str, Any] | None] = TTLCache(
            maxsize=_DEPLOYMENT_CACHE_ENTRIES, ttl=_DEPLOYMENT_CACHE_SECONDS
        )
        self._browsers = BrowserLocks()

    async def deployment(self, deployment_id: str) -> dict[str, Any] | None:
        """Deployments change rarely; a short cache saves a round trip per batch."""
        if not is_deployment_id(deployment_id):
            return None
        if deployment_id in self._deployments:
            return self._deployments[deployment_id]
        found = await deployments.find(self._db, deployment_id=deployment_id)
        self._deployments[deployment_id] = found
        return found

    def forget_deployment(self, deployment_id: str) -> None:
        self._deployments.pop(deployment_id, None)

    async def ingest(self, *, deployment_id: Any, batch: list[RawEvent]) -> IngestResult:
        """Ingest a batch. Batch-level mistakes raise InvalidInput; event-level ones are
        answered per event."""
        async with self._browsers.turn(_well_formed_cookie_ids(batch)):
            return await self._ingest(deployment_id=deployment_id, batch=batch)

    async def _ingest(self, *, deployment_id: Any, batch: list[RawEvent]) -> IngestResult:
        settings = self._settings
        deployment_id = text(deployment_id, "deploymentId", limit=64)
        if not batch:
            raise InvalidInput("events", "must contain at least one event")
        if len(batch) > settings.max_batch_events:
            raise InvalidInput("events", f"has more than {settings.max_batch_events} events")
        deployment = await self.deployment(deployment_id)
        if deployment is None:
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
                cookie = cookie_id_of(raw.cookie_id)
                event = parse_event(
                    raw.payload, path, parsers=self.event_types.parsers, cookie_id=cookie, limits=limits,
                    source=raw.source,
                )
                if event.type == "identify":
                    split_claims(event.data, deployment, path, trusted=raw.trusted)
            except InvalidInput as error:
                receipts[index].status, receipts[index].reason = "rejected", str(error)
                continue
            if (event.cookie_id, event.client_id) in seen_in_batch:
                receipts[index].status = "duplicate"
                continue
            seen_in_batch.add((event.cookie_id, event.client_id))
            accepted.append((index, event))

        items: list[tuple[int, dict[str, Any]]] = [
            (index, document)
            for index, event in accepted
            for document in journey_items(
                event, event_types=self.event_types, deployment_id=deployment_id, now=now,
                search_params=settings.search_query_params, excluded_params=settings.excluded_query_params,
            )
        ]
        found = await events.stored(self._db, documents=(doc for _, doc in items))
        settled = await self._settled(found)
        duplicates = {index for index, doc in items if doc["dedupeKey"] in settled}
        # An identify or logout stored by a batch cut off before it acted acts now.
        unacted = {
            key for key in settled
            if found[key].get("type") in _ACTIONS and found[key].get(events.BATCH) and not found[key].get("acted")
        }
        for _, doc in items:
            if doc["dedupeKey"] in unacted:
                doc["sessionId"] = found[doc["dedupeKey"]]["sessionId"]
        reclaimed = set(found) - settled
        items = [(index, doc) for index, doc in items if index not in duplicates or doc["dedupeKey"] in unacted]
        sources = {index: event.source for index, event in accepted}
        touched: dict[str, dict[str, Any]] = {}
        refused: dict[int, str] = {}
        acted = False
        for pass_items in passes(items):
            fresh = [(index, doc) for index, doc in pass_items if index not in duplicates]
            if fresh:
                stored = await self._store(fresh, sources, deployment_id, now, duplicates, refused, reclaimed)
                touched.update((doc["_id"], doc) for doc in stored)
            acting = [
                (index, doc) for index, doc in pass_items
                if doc["dedupeKey"] in unacted or (index not in duplicates and index not in refused)
            ]
            acted = await self._act(acting) or acted
        if acted:
            # Identity actions may have moved sessions or changed their customer: tell
            # subscribers the state the batch ends with, not the one before them.
            touched = {doc["_id"]: doc for doc in await sessions.by_ids(self._db, ids=list(touched))}
            await self._hub.publish(
                [message for doc in touched.values() for message in topics.session_change("UPDATED", doc)]
            )
        for index in duplicates:
            receipts[index].status = "duplicate"
        for index, reason in refused.items():
            receipts[index].status, receipts[index].reason = "rejected", f"events[{index}].{reason}"
        for index, doc in items:
            if index not in duplicates and index not in refused and doc.get("sessionId"):
                receipts[index].session_id = doc["sessionId"]
        return IngestResult(
            events=receipts,
            customer_ids=sorted({doc["customerId"] for doc in touched.values()}),
            session_ids=list(touched),
        )

    async def _settled(self, found: dict[str, dict[str, Any]]) -> set[str]:
        """The stored events whose batch was carried through to their session (events
        stored before batches had tokens count as carried through). A batch cut off after
        its sessions were written but before its browsers' cursors were: the cursors
        move on now, and the sessions it superseded end, as the cut-off batch would
        have done."""
        if not found:
            return set()
        applied = await sessions.applied(
            self._db, ids=sorted({doc["sessionId"] for doc in found.values() if doc.get("sessionId")})
        )
        settled = set()
        latest: dict[str, dict[str, Any]] = {}
        for key, doc in found.items():
            token = doc.get(events.BATCH)
            session = applied.get(doc.get("sessionId"))
            if token is None or (session is not None and token in session.get(sessions.APPLIED, [])):
                settled.add(key)
                if session is not None and session.get("cookieId"):
                    known = latest.get(session["cookieId"])
                    if known is None or known["seq"] < session["seq"]:
                        latest[session["cookieId"]] = session
        await identities.catch_up_cursors(
            self._db, latest={cookie: (doc["seq"], doc["lastActivityAt"]) for cookie, doc in latest.items()}
        )
        for cookie, doc in latest.items():
            if doc["seq"] > 1:
                await self._end_superseded(session_id(cookie, doc["seq"] - 1))
        return settled

    async def _act(self, pass_items) -> bool:
        """Identify and logout act on identities once their items are stored; each is
        marked carried out after it acted, so a batch cut off in between acts on retry."""
        acted = False
        for _, doc in sorted(pass_items, key=lambda entry: entry[1]["occurredAt"]):
            if doc["type"] not in _ACTIONS or self.stitcher is None:
                continue
            acted = True
            cookie = await identities.find(self._db, kind="COOKIE", value=doc["cookieId"])
            if doc["type"] == "identify":
                identify = doc["identify"]
                if identify.get("claims"):
                    # Unverified: noted on the browser's own customer, never stitched anywhere.
                    await self.stitcher.claim(
                        customer_id=cookie["customerId"], claimed=identify["claims"],
                        traits={} if identify["identities"] else identify["traits"],
                        claimed_at=doc["occurredAt"], event_key=doc["dedupeKey"],
                    )
                if identify["identities"]:
                    await self.stitcher.identify(
                        customer_id=cookie["customerId"],
                        claimed=identify["identities"],
                        traits=identify["traits"],
                    )
                    await sessions.mark_authenticated(self._db, session_id=doc["sessionId"])
            else:
                await self.stitcher.logout(
                    cookie_id=doc["cookieId"], customer_id=cookie["customerId"], session_id=doc["sessionId"],
                    # Named by the event, so a logout carried out twice rotates the cookie once.
                    new_customer_id=str(uuid.uuid5(_LOGOUT_NAMESPACE, doc["dedupeKey"])),
                )
            await events.mark_acted(self._db, dedupe_key=doc["dedupeKey"])
        return acted

    async def _store(
        self, items, sources, deployment_id, now, duplicates, refused, reclaimed
    ) -> list[dict[str, Any]]:
        """Sessionise, run the stages, persist and publish one set of items."""
        cookies = await identities.claim_cookies(
            self._db, cookie_ids=(doc["cookieId"] for _, doc in items), now=now
        )
        works, cursors, superseded = self._sessionise(items, sources, cookies, deployment_id)
        stored = await sessions.by_ids(self._db, ids=list(works))
        for doc in stored:
            works[doc["_id"]].stored = doc
        for stage in self.stages:
            await stage.prepare(list(works.values()))
        for work in works.values():
            for stage in self.stages:
                stage.process(work)
        position = {doc["dedupeKey"]: index for index, doc in items}
        for work in works.values():
            for doc, reason in work.refused:
                refused[position[doc["dedupeKey"]]] = reason

        customer_sets, customer_pushes = customer_changes(works.values())
        await customers.touch(
            self._db,
            seen={work.delta.customer_id: work.delta.last_activity_at for work in works.values()},
            now=now,
            sets=customer_sets,
            pushes=customer_pushes,
            counters=customer_counters(works.values()),
        )
        for work in works.values():
            for doc in work.items:
                doc[events.BATCH] = work.delta.batch
        documents = [doc for work in works.values() for doc in work.items]
        lost_races = await events.upsert(self._db, documents=documents, reclaimed=reclaimed)
        if lost_races:
            # Another writer stored these first: they must not be counted twice.
            lost = [documents[position] for position in lost_races]
            lost_keys = {doc["dedupeKey"] for doc in lost}
            duplicates |= {index for index, doc in items if doc["dedupeKey"] in lost_keys}
            for doc in lost:
                work = works[doc["sessionId"]]
                count(work.delta, doc, sign=-1)
                work.items.remove(doc)
        await sessions.apply(self._db, deltas=(w.delta for w in works.values() if w.delta.events))
        await identities.advance_cursors(self._db, cursors=cursors)
        touched = await sessions.by_ids(
            self._db, ids=[sid for sid, work in works.items() if work.delta.events]
        )
        await self._publish(works, touched)
        for session_id_ in superseded:
            await self._end_superseded(session_id_)
        return touched

    def _sessionise(self, items, sources, cookies, deployment_id):
        timeout = timedelta(seconds=self._settings.session_timeout_seconds)
        by_cookie: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for index, doc in items:
            by_cookie[doc["cookieId"]].append((index, doc))
        works: dict[str, SessionWork] = {}
        cursors: dict[str, tuple[int, Any]] = {}
        superseded: list[str] = []
        for cookie, entries in by_cookie.items():
            identity = cookies[cookie]
            web = identity.get("web") or {}
            cursor = SessionCursor(
                seq=web.get("seq", 0),
                last_activity=web.get("lastActivityAt"),
                closed=bool(web.get("closed")),
            )
            entries.sort(key=lambda entry: entry[1]["occurredAt"])
            numbers, after = assign_sessions(cursor, [doc["occurredAt"] for _, doc in entries], timeout)
            if cursor.seq and after.seq > cursor.seq:
                superseded.append(session_id(cookie, cursor.seq))
            cursors[cookie] = (after.seq, after.last_activity, after.closed)
            for (index, doc), seq in zip(entries, numbers):
                sid = session_id(cookie, seq)
                work = works.get(sid)
                if work is None:
                    work = works[sid] = SessionWork(
                        delta=SessionDelta(
                            session_id=sid,
                            customer_id=identity["customerId"],
                            cookie_id=cookie,
                            deployment_id=deployment_id,
                            seq=seq,
                            started_at=doc["occurredAt"],
                            last_activity_at=doc["occurredAt"],
                        ),
                        source=sources.get(index),
                    )
                work.add(doc)
        for work in works.values():
            work.delta.batch = batch_token(work.items)
        return works, cursors, superseded

    async def _publish(self, works: dict[str, SessionWork], touched: list[dict[str, Any]]) -> None:
        documents = [doc for work in works.values() for doc in work.items]
        messages: list[Message] = [
            (topics.journey(doc["sessionId"]), doc)
            for doc in sorted(documents, key=lambda doc: (doc["occurredAt"], doc["_id"]))
        ]
        for session in touched:
            work = works[session["_id"]]
            messages.extend(topics.session_change("CREATED" if work.is_new else "UPDATED", session))
            messages.extend(work.messages)
        await self._hub.publish(messages)

    async def _end_superseded(self, superseded_id: str) -> None:
        """A new session began after a long gap: end the previous one now rather than
        wait for the sweeper; the conditional update makes sure only one instance tells."""
        ended = await sessions.end_if_idle(
            self._db, session_id=superseded_id, idle_before=None, now=self._clock.now()
        )
        if ended is not None:
            await self._hub.publish(topics.session_change("INACTIVE", ended))
