"""The ingest pipeline shared by POST /collect and the trackEvents mutation.

A batch, holding its browsers' turns on this instance, goes through Ingestor._ingest's
steps in order: check the batch → parse each event → its journey items → take the
browsers' turns across instances (journey.browser_turns) → leave out items stored before
(finishing what a batch cut off midway left undone) → for each pass (a logout starts the
next): sessionise → run the stages → write events → publish them → write customers,
sessions, cursors (giving the turns back) → identify and logout act → answer per event.
One batch costs a fixed number of database round trips, whatever its size; each write is
made so that the retry of a batch cut off after it completes the batch exactly.

A plain batch (one pass, no identify or logout) skips the look for items stored before:
its items are stored all or none, and that write itself tells whether any key was
stored already. Only then (a copy resent, or the retry of a batch cut off), or when a
stage refused an item, does the batch start again on the path above, before any other
write and before anything was pushed. Its browsers' sessions are read while their turns
are being taken, from where this instance left them (journey.settled_browsers), and read
again only if someone worked on them since. So the journey map's subscribers get a plain
batch's items after two round trips in sequence: the turns and the sessions together,
then the events.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cachetools import TTLCache

from core.clock import Clock
from core.errors import InvalidInput
from core.settings import Settings
from identity import InvalidIdentity, normalize_cookie_id
from journey.browser_locks import BrowserLocks
from journey.browser_turns import BrowserTurns
from journey.deployment_ids import is_deployment_id
from journey.event_types import EventTypes
from journey.group_commit import GroupCommit
from journey.identify.acting import ACTIONS, act
from journey.identify.stitching import Stitcher
from journey.identify.verification import split_claims
from journey.incoming import Limits, Source, TrackedEvent, parse_event, text
from journey.items import journey_items
from journey.sessionize import SessionCursor, assign_sessions, session_id
from journey.settled_browsers import Foreseen, SettledBrowsers
from journey.work import SessionWork, Stage, count, customer_changes, customer_counters
from live import topics
from live.publishing import Publisher
from live.topics import Message
from storage import customers, deployments, events, identities, sessions
from storage.database import Database
from storage.documents import DeploymentDocument, EventDocument, IdentityDocument, SessionDocument, StoredEventRef
from storage.sessions import SessionDelta

_DEPLOYMENT_CACHE_SECONDS = 5.0
_DEPLOYMENT_CACHE_ENTRIES = 10_000
_SETTLED_BROWSERS = 10_000
"""Browsers whose current session this instance remembers (journey.settled_browsers)."""

Entry = tuple[int, EventDocument]
"""A journey item and the index in its batch of the event it stands for."""


class _LookFirst(Exception):
    """A batch stored as new starts again, looking for items stored before first: one of
    its keys was stored already, or a stage refused an item (which may be a copy, refused
    for what its first send did: its receipt must say duplicate)."""


def _copied(value: Any) -> Any:
    """A copy of a document's dicts and lists at every depth (the stages change items in
    place); values, ids and datetimes among them, shared."""
    if isinstance(value, dict):
        return {key: _copied(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_copied(inner) for inner in value]
    return value


def batch_token(items: list[EventDocument]) -> str:
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
    session_customers: dict[str, str] = field(default_factory=dict)
    """The customer of each session in session_ids."""

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


def passes(items: list[Entry]) -> list[list[Entry]]:
    """Split a batch after each logout: what a browser does after logging out belongs to
    the new anonymous customer, so it is stored after the logout has taken effect."""
    by_cookie: dict[str, list[Entry]] = defaultdict(list)
    for entry in sorted(items, key=lambda entry: entry[1]["occurredAt"]):
        by_cookie[entry[1]["cookieId"]].append(entry)
    rounds: list[list[Entry]] = []
    for entries in by_cookie.values():
        round_number = 0
        for entry in entries:
            while len(rounds) <= round_number:
                rounds.append([])
            rounds[round_number].append(entry)
            if entry[1]["type"] == "logout":
                round_number += 1
    return rounds


@dataclass(slots=True)
class _Batch:
    """What the steps of one batch learn and hand on to the next."""

    deployment_id: str
    now: datetime
    sources: dict[int, Source | None]
    """The browser behind each accepted event, by its index in the batch."""
    duplicates: set[int] = field(default_factory=set)
    """Events stored before (by an earlier batch, or by a writer that won a race)."""
    unacted: set[str] = field(default_factory=set)
    """Dedupe keys of identifies and logouts stored by a cut-off batch before they acted."""
    reclaimed: set[str] = field(default_factory=set)
    """Dedupe keys stored by a cut-off batch part whose session never took them in."""
    refused: dict[int, str] = field(default_factory=dict)
    """Events a stage turned down, with the reason."""
    touched: dict[str, SessionDocument] = field(default_factory=dict)
    """The sessions the batch wrote, as stored, by id."""
    turns: set[str] = field(default_factory=set)
    """Browsers whose turn the batch holds in the store and has not given back."""
    identities: dict[str, IdentityDocument] = field(default_factory=dict)
    """The browsers' cookie identities as read when their turns were taken; emptied once
    a write may have moved them on (a catch-up, a pass, an identity action)."""
    unseen: bool = False
    """Stored as new, without looking for items stored before: the events write stores
    all or none, and raises _LookFirst when it meets one."""
    foreseen: Foreseen | None = None
    """The browsers' sessions as read while their turns were being taken, until the
    first pass uses them or finds them out of date."""

    def again(self) -> _Batch:
        """The batch as it was once its turns were taken: nothing learnt from a pass that
        stopped at its events write, which moved no browser on."""
        return _Batch(self.deployment_id, self.now, self.sources, turns=self.turns, identities=self.identities)

    def stores(self, index: int) -> bool:
        return index not in self.duplicates and index not in self.refused

    def acts_on(self, index: int, doc: EventDocument) -> bool:
        return doc["dedupeKey"] in self.unacted or self.stores(index)


@dataclass(slots=True)
class _Sessionised:
    """A pass's items grouped into the sessions they belong to, and where that leaves browsers."""

    works: dict[str, SessionWork] = field(default_factory=dict)
    cursors: dict[str, tuple[int, datetime | None, bool]] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)
    """Sessions of browsers that now start a new one after a long gap."""
    claims: dict[str, int | None] = field(default_factory=dict)
    """The number of the turn the pass holds on each browser (storage.identities.CLAIMS)."""


def _stored_but_not_acted(doc: StoredEventRef) -> bool:
    """An identify or logout stored by a batch that was cut off before it acted."""
    return doc.get("type") in ACTIONS and bool(doc.get(events.BATCH)) and not doc.get("acted")


def _latest_by_browser(stored_sessions: Iterable[SessionDocument]) -> dict[str, SessionDocument]:
    latest: dict[str, SessionDocument] = {}
    for session in stored_sessions:
        cookie = session.get("cookieId")
        if cookie and (cookie not in latest or latest[cookie]["seq"] < session["seq"]):
            latest[cookie] = session
    return latest


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
        self._deployments: TTLCache[str, DeploymentDocument | None] = TTLCache(
            maxsize=_DEPLOYMENT_CACHE_ENTRIES, ttl=_DEPLOYMENT_CACHE_SECONDS,
            timer=lambda: clock.now().timestamp(),
        )
        self._browsers = BrowserLocks()
        self._turns = BrowserTurns(
            db, clock, hold_seconds=settings.browser_turn_seconds, wait_seconds=settings.browser_turn_wait_seconds
        )
        self._group = GroupCommit(self._run_pass, max_events=settings.max_batch_events)
        self._settled_browsers = SettledBrowsers(_SETTLED_BROWSERS)

    @property
    def passes_run(self) -> int:
        """Pipeline passes begun so far: each asks the store, however many batches it carries."""
        return self._group.passes_run

    async def deployment(self, deployment_id: str) -> DeploymentDocument | None:
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
        answered per event. Concurrent batches of one deployment share a pass."""
        checked_id, _ = await self._checked_batch(deployment_id, batch)
        return await self._group.submit(checked_id, batch)

    async def _run_pass(self, deployment_id: str, batch: list[RawEvent]) -> IngestResult:
        async with self._browsers.turn(_well_formed_cookie_ids(batch)):
            return await self._ingest(deployment_id=deployment_id, batch=batch)

    async def _ingest(self, *, deployment_id: Any, batch: list[RawEvent]) -> IngestResult:
        deployment_id, deployment = await self._checked_batch(deployment_id, batch)
        now = self._clock.now()
        receipts, accepted = self._parse(batch, deployment, now)
        state = _Batch(deployment_id, now, sources={index: event.source for index, event in accepted})
        items = self._journey_items(accepted, state)
        cookie_ids = {doc["cookieId"] for _, doc in items}
        if items and len(passes(items)) == 1 and not any(doc["type"] in ACTIONS for _, doc in items):
            await self._take_turns_foreseeing(cookie_ids, state)
            as_parsed = [(index, _copied(doc)) for index, doc in items]
            state.unseen = True
            try:
                await self._store_pass(items, state, give_back=True)
            except _LookFirst:
                items, state = as_parsed, state.again()
            else:
                if state.turns:
                    await self._turns.give_back(state.turns)
                return self._result(receipts, items, state)
        else:
            # Before anything is read: a copy of this batch working elsewhere must have
            # finished, so that its stored items are seen as such.
            await self._take_turns(cookie_ids, state)
        items = await self._new_items(items, state)
        rounds = passes(items)
        # Identity actions act after the writes: the browsers' turns are held until they have.
        acts = any(doc["type"] in ACTIONS for _, doc in items)
        acted = False
        for number, pass_items in enumerate(rounds, start=1):
            await self._store_pass(pass_items, state, give_back=number == len(rounds) and not acts)
            if await self._act([entry for entry in pass_items if state.acts_on(*entry)]):
                acted, state.identities = True, {}
        if state.turns:
            await self._turns.give_back(state.turns)
        if acted:
            await self._publish_final_sessions(state)
        return self._result(receipts, items, state)

    async def _checked_batch(self, deployment_id: Any, batch: list[RawEvent]) -> tuple[str, DeploymentDocument]:
        """The batch's deployment; a batch empty, too large or for no known deployment is refused whole."""
        checked_id = text(deployment_id, "deploymentId", limit=64)
        if not batch:
            raise InvalidInput("events", "must contain at least one event")
        if len(batch) > self._settings.max_batch_events:
            raise InvalidInput("events", f"has more than {self._settings.max_batch_events} events")
        deployment = await self.deployment(checked_id)
        if deployment is None:
            raise InvalidInput("deploymentId", f"unknown deployment '{checked_id}'")
        return checked_id, deployment

    def _limits(self, now: datetime) -> Limits:
        settings = self._settings
        return Limits(
            now=now,
            max_age=timedelta(seconds=settings.max_event_age_seconds),
            max_skew=timedelta(seconds=settings.max_clock_skew_seconds),
            search_params=settings.search_query_params,
        )

    def _parse(
        self, batch: list[RawEvent], deployment: DeploymentDocument, now: datetime
    ) -> tuple[list[EventReceipt], list[tuple[int, TrackedEvent]]]:
        """A receipt per event, and the events that are valid and not repeated within the batch."""
        limits = self._limits(now)
        receipts: list[EventReceipt] = []
        accepted: list[tuple[int, TrackedEvent]] = []
        seen_in_batch: set[tuple[str, str]] = set()
        for index, raw in enumerate(batch):
            receipt = EventReceipt(id=_client_id(raw.payload), status="accepted")
            receipts.append(receipt)
            try:
                event = self._parse_one(raw, f"events[{index}]", deployment, limits)
            except InvalidInput as error:
                receipt.status, receipt.reason = "rejected", str(error)
                continue
            if (event.cookie_id, event.client_id) in seen_in_batch:
                receipt.status = "duplicate"
                continue
            seen_in_batch.add((event.cookie_id, event.client_id))
            accepted.append((index, event))
        return receipts, accepted

    def _parse_one(self, raw: RawEvent, path: str, deployment: DeploymentDocument, limits: Limits) -> TrackedEvent:
        event = parse_event(
            raw.payload, path, parsers=self.event_types.parsers, cookie_id=cookie_id_of(raw.cookie_id),
            limits=limits, source=raw.source,
        )
        if event.type == "identify":
            split_claims(event.data, deployment, path, trusted=raw.trusted)
        return event

    def _journey_items(self, accepted: list[tuple[int, TrackedEvent]], state: _Batch) -> list[Entry]:
        settings = self._settings
        return [
            (index, document)
            for index, event in accepted
            for document in journey_items(
                event, event_types=self.event_types, deployment_id=state.deployment_id, now=state.now,
                search_params=settings.search_query_params, excluded_params=settings.excluded_query_params,
            )
        ]

    async def _new_items(self, items: list[Entry], state: _Batch) -> list[Entry]:
        """The items still to store or act on: those of events stored before are left out,
        but for an identify or logout stored by a batch cut off before it acted, which acts now."""
        found = await events.stored(self._db, documents=(doc for _, doc in items))
        settled = await self._settled(found, state)
        state.duplicates = {index for index, doc in items if doc["dedupeKey"] in settled}
        state.unacted = {key for key in settled if _stored_but_not_acted(found[key])}
        state.reclaimed = set(found) - settled
        for _, doc in items:
            if doc["dedupeKey"] in state.unacted:
                doc["sessionId"] = found[doc["dedupeKey"]]["sessionId"]
        return [
            (index, doc) for index, doc in items
            if index not in state.duplicates or doc["dedupeKey"] in state.unacted
        ]

    async def _settled(self, found: dict[str, StoredEventRef], state: _Batch) -> set[str]:
        """The stored events whose batch was carried through to their session (events
        stored before batches had tokens count as carried through)."""
        if not found:
            return set()
        applied = await sessions.applied(
            self._db, ids=sorted({doc["sessionId"] for doc in found.values() if doc.get("sessionId")})
        )
        settled = {key for key, doc in found.items() if _carried_through(doc, applied)}
        await self._catch_up(state, _latest_by_browser(
            applied[doc["sessionId"]] for key, doc in found.items()
            if key in settled and doc.get("sessionId") in applied
        ))
        return settled

    async def _catch_up(self, state: _Batch, latest: dict[str, SessionDocument]) -> None:
        """A batch cut off after its sessions were written but before its browsers' cursors
        were: the cursors move on now to the browsers' latest sessions, and the sessions
        those superseded end, as the cut-off batch would have done."""
        await identities.catch_up_cursors(
            self._db, latest={cookie: (doc["seq"], doc["lastActivityAt"]) for cookie, doc in latest.items()}
        )
        if latest:
            state.identities = {}
        for cookie, doc in latest.items():
            if doc["seq"] > 1:
                await self._end_superseded(session_id(cookie, doc["seq"] - 1))

    async def _store_pass(self, pass_items: list[Entry], state: _Batch, *, give_back: bool) -> None:
        fresh = [(index, doc) for index, doc in pass_items if index not in state.duplicates]
        if fresh:
            stored = await self._store(fresh, state, give_back=give_back)
            state.touched.update((doc["_id"], doc) for doc in stored)
            state.identities = {}

    async def _store(self, items: list[Entry], state: _Batch, *, give_back: bool) -> list[SessionDocument]:
        """Sessionise, run the stages, persist and publish one set of items; with
        `give_back`, the browsers' turns end with the write of their cursors."""
        sessionised = await self._sessionise(items, state)
        works = sessionised.works
        await self._run_stages(works)
        _note_refused(items, works, state.refused)
        await self._store_events(items, works, state)
        # Stored items are news at once: an agent watching the map sees them without
        # waiting for the customer and session writes (a retried batch pushes an item
        # again under the same id, which a map shows once).
        await self._publish_items(works)
        # Before the sessions: their write marks the batch carried through. A batch cut
        # off before it is taken up again by its retry, whose customer counts carry the
        # same token and so move once.
        await self._touch_customers(works, state.now)
        await sessions.apply(self._db, deltas=(work.delta for work in works.values() if work.delta.events))
        await identities.advance_cursors(
            self._db, cursors=sessionised.cursors, give_back=self._turns.holder if give_back else None
        )
        if give_back:
            state.turns -= set(sessionised.cursors)
            for cookie, (seq, _, _) in sessionised.cursors.items():
                self._settled_browsers.settle(cookie, claim=sessionised.claims.get(cookie), seq=seq)
        touched = await sessions.by_ids(self._db, ids=[sid for sid, work in works.items() if work.delta.events])
        await self._publish_sessions(works, touched)
        for superseded_id in sessionised.superseded:
            await self._end_superseded(superseded_id)
        return touched

    async def _sessionise(self, items: list[Entry], state: _Batch) -> _Sessionised:
        """Put the items into their browsers' sessions and read those sessions as stored."""
        cookies = await self._take_turns({doc["cookieId"] for _, doc in items}, state)
        by_cookie: dict[str, list[Entry]] = defaultdict(list)
        for index, doc in items:
            by_cookie[doc["cookieId"]].append((index, doc))
        sessionised = _Sessionised()
        for cookie, entries in by_cookie.items():
            self._sessionise_browser(cookie, cookies[cookie], entries, state, sessionised)
        for work in sessionised.works.values():
            work.delta.batch = batch_token(work.items)
        foreseen, state.foreseen = state.foreseen, None
        if foreseen is not None and foreseen.holds({cookie: cookies[cookie] for cookie in by_cookie}):
            stored = [session for sid, session in foreseen.sessions.items() if sid in sessionised.works]
        else:
            stored = await sessions.by_ids(self._db, ids=list(sessionised.works))
        for session in stored:
            sessionised.works[session["_id"]].stored = session
        return sessionised

    async def _take_turns_foreseeing(self, cookie_ids: set[str], state: _Batch) -> None:
        """Take the browsers' turns and, in the same moment, read the sessions this
        instance left them in: if nobody worked on them since, that read is the one the
        pass needs, and the events follow one round trip sooner."""
        left, session_ids = self._settled_browsers.current_sessions(cookie_ids)
        reading = asyncio.ensure_future(sessions.by_ids(self._db, ids=session_ids)) if session_ids else None
        try:
            await self._take_turns(cookie_ids, state)
        except BaseException:
            if reading is not None:
                reading.cancel()
            raise
        read = await reading if reading is not None else []
        state.foreseen = Foreseen(left, {session["_id"]: session for session in read})

    async def _take_turns(self, cookie_ids: set[str], state: _Batch) -> dict[str, IdentityDocument]:
        """The browsers' turns and their identities as they are now; read again (the turns
        are the batch's already) after a write may have moved them on."""
        if not cookie_ids <= state.identities.keys():
            state.identities = await self._turns.take(cookie_ids)
            state.turns |= set(state.identities)
        return state.identities

    def _sessionise_browser(
        self, cookie: str, identity: IdentityDocument, entries: list[Entry], state: _Batch, sessionised: _Sessionised,
    ) -> None:
        web = identity.get("web") or {}
        cursor = SessionCursor(
            seq=web.get("seq", 0), last_activity=web.get("lastActivityAt"), closed=bool(web.get("closed")),
        )
        entries.sort(key=lambda entry: entry[1]["occurredAt"])
        numbers, after = assign_sessions(
            cursor, [doc["occurredAt"] for _, doc in entries], timedelta(seconds=self._settings.session_timeout_seconds)
        )
        if cursor.seq and after.seq > cursor.seq:
            sessionised.superseded.append(session_id(cookie, cursor.seq))
        sessionised.cursors[cookie] = (after.seq, after.last_activity, after.closed)
        sessionised.claims[cookie] = web.get("claims")
        works = sessionised.works
        for (index, doc), seq in zip(entries, numbers, strict=True):
            sid = session_id(cookie, seq)
            if sid not in works:
                works[sid] = SessionWork(
                    delta=SessionDelta(
                        session_id=sid, customer_id=identity["customerId"], cookie_id=cookie,
                        deployment_id=state.deployment_id, seq=seq,
                        started_at=doc["occurredAt"], last_activity_at=doc["occurredAt"],
                    ),
                    source=state.sources.get(index),
                )
            works[sid].add(doc)

    async def _run_stages(self, works: dict[str, SessionWork]) -> None:
        """Each stage reads what it needs for all sessions at once, then works on each session in turn."""
        for stage in self.stages:
            await stage.prepare(list(works.values()))
        for work in works.values():
            for stage in self.stages:
                stage.process(work)

    async def _touch_customers(self, works: dict[str, SessionWork], now: datetime) -> None:
        customer_sets, customer_pushes = customer_changes(works.values())
        await customers.touch(
            self._db,
            seen={work.delta.customer_id: work.delta.last_activity_at for work in works.values()},
            now=now,
            sets=customer_sets,
            pushes=customer_pushes,
            counters=customer_counters(works.values()),
        )

    async def _store_events(self, items: list[Entry], works: dict[str, SessionWork], state: _Batch) -> None:
        """Store the sessions' items, each stamped with its batch part's token. Items another
        writer stored first are duplicates: they leave their session and its counts."""
        for work in works.values():
            for doc in work.items:
                doc[events.BATCH] = work.delta.batch
        documents = [doc for work in works.values() for doc in work.items]
        if state.unseen:
            if state.refused or not await events.insert_all_or_none(self._db, documents=documents):
                raise _LookFirst
            return
        lost_races = await events.upsert(self._db, documents=documents, reclaimed=state.reclaimed)
        lost = [documents[position] for position in lost_races]
        lost_keys = {doc["dedupeKey"] for doc in lost}
        state.duplicates |= {index for index, doc in items if doc["dedupeKey"] in lost_keys}
        for doc in lost:
            work = works[doc["sessionId"]]
            count(work.delta, doc, sign=-1)
            work.items.remove(doc)

    async def _publish_items(self, works: dict[str, SessionWork]) -> None:
        documents = [doc for work in works.values() for doc in work.items]
        await self._hub.publish(
            (topics.journey(doc["sessionId"]), doc)
            for doc in sorted(documents, key=lambda doc: (doc["occurredAt"], doc["_id"]))
        )

    async def _publish_sessions(self, works: dict[str, SessionWork], touched: list[SessionDocument]) -> None:
        messages: list[Message] = []
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

    async def _act(self, pass_items: list[Entry]) -> bool:
        """Identify and logout act on identities once their items are stored; each is
        marked carried out after it acted, so a batch cut off in between acts on retry."""
        acted = False
        for _, doc in sorted(pass_items, key=lambda entry: entry[1]["occurredAt"]):
            if doc["type"] not in ACTIONS or self.stitcher is None:
                continue
            acted = True
            await act(self._db, self.stitcher, doc)
            await events.mark_acted(self._db, dedupe_key=doc["dedupeKey"])
        return acted

    async def _publish_final_sessions(self, state: _Batch) -> None:
        """Identity actions may have moved sessions or changed their customer: tell
        subscribers the state the batch ends with, not the one before them."""
        state.touched = {doc["_id"]: doc for doc in await sessions.by_ids(self._db, ids=list(state.touched))}
        await self._hub.publish(
            [message for doc in state.touched.values() for message in topics.session_change("UPDATED", doc)]
        )

    def _result(self, receipts: list[EventReceipt], items: list[Entry], state: _Batch) -> IngestResult:
        for index in state.duplicates:
            receipts[index].status = "duplicate"
        for index, reason in state.refused.items():
            receipts[index].status, receipts[index].reason = "rejected", f"events[{index}].{reason}"
        for index, doc in items:
            if state.stores(index) and doc.get("sessionId"):
                receipts[index].session_id = doc["sessionId"]
        return IngestResult(
            events=receipts,
            customer_ids=sorted({doc["customerId"] for doc in state.touched.values()}),
            session_ids=list(state.touched),
            session_customers={sid: doc["customerId"] for sid, doc in state.touched.items()},
        )


def _client_id(payload: Any) -> str | None:
    """The id a client gave its event, for the receipt, if it gave a string."""
    client_id = payload.get("id") if isinstance(payload, dict) else None
    return client_id if isinstance(client_id, str) else None


def _carried_through(doc: StoredEventRef, applied: dict[str, SessionDocument]) -> bool:
    token = doc.get(events.BATCH)
    if token is None:
        return True
    session = applied.get(doc.get("sessionId") or "")
    return session is not None and token in session.get(sessions.APPLIED, [])


def _note_refused(items: list[Entry], works: dict[str, SessionWork], refused: dict[int, str]) -> None:
    """Record, by event index, the items the stages turned down."""
    position = {doc["dedupeKey"]: index for index, doc in items}
    for work in works.values():
        for doc, reason in work.refused:
            refused[position[doc["dedupeKey"]]] = reason
