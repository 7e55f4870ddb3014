"""The store dies under steady load and comes back: trackers are told to retry, each after
one wait on the store rather than in turn behind one another's, and once it is back
everything they sent is stored exactly once."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from access import permissions as perm
from live import topics
from storage.embedded import EmbeddedStore
from tests.support.metrics import scrape, value
from tests.support.ports import free_port
from tests.support.service import Service, start_service
from tests.support.waiting import until

pytestmark = pytest.mark.slow  # kills the store under load

OUTAGE_SECONDS = 10
CLIENTS = 4
BURST = 8


def batch(cookie: str, event_id: str) -> dict:
    return {"deploymentId": "default", "cookieId": cookie, "events": [
        {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/{event_id}"}}
    ]}


class Tracker:
    """A browser as the snippet behaves: one-event batches, each sent again after
    Retry-After until the service answers 200."""

    def __init__(self, http: httpx.AsyncClient, number: int) -> None:
        self.http = http
        self.cookie = f"outage-{number}"
        self.confirmed: list[str] = []
        self.refusals: list[httpx.Response] = []
        self.running = True
        self.sending = asyncio.Event()
        """Cleared, the tracker sends nothing more (a page left open in the background)."""
        self.sending.set()
        self.awaiting_answer = False

    async def run(self) -> None:
        sequence = 0
        while self.running:
            event_id = f"e{sequence}"
            while True:
                await self.sending.wait()
                self.awaiting_answer = True
                try:
                    response = await self.http.post("/collect", json=batch(self.cookie, event_id))
                finally:
                    self.awaiting_answer = False
                if response.status_code == 200:
                    self.confirmed.append(event_id)
                    break
                self.refusals.append(response)
                await asyncio.sleep(min(1.0, float(response.headers.get("retry-after", "1"))))
            sequence += 1


async def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def assert_confirmed_events_stored_and_counted_once(store, service, trackers) -> None:
    """Every event a tracker had confirmed is stored once and counted once on its session,
    and nothing else of theirs is stored."""
    client = AsyncMongoClient(store.uri)
    try:
        db = client[service.settings.database]
        cookies = [t.cookie for t in trackers]
        stored = Counter([
            (doc["cookieId"], doc["clientEventId"])
            async for doc in db.events.find({"cookieId": {"$in": cookies}})
        ])
        counted = Counter()
        async for doc in db.sessions.find({"cookieId": {"$in": cookies}}):
            counted[doc["cookieId"]] += doc["eventCount"]
    finally:
        await client.close()
    confirmed = Counter((t.cookie, event_id) for t in trackers for event_id in t.confirmed)
    assert stored == confirmed
    assert max(stored.values()) == 1
    assert counted == Counter({t.cookie: len(t.confirmed) for t in trackers})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    """A durable store on a fixed port, so that a restarted one is found where it was."""
    store = EmbeddedStore(engine="sqlite", path=tmp_path / "journey.sqlite", port=free_port())
    await store.start()
    try:
        yield store
    finally:
        await store.stop()


@pytest.fixture
async def services(store: EmbeddedStore) -> AsyncIterator[tuple[Service, Service]]:
    """One service, and one that works on a single batch at a time, on the same data."""
    service = await start_service(store.uri, collect_rate_per_minute=100_000)
    small = await start_service(store.uri, database=service.settings.database, max_batches_in_flight=1)
    try:
        yield service, small
    finally:
        await small.stop()
        await service.stop()


async def test_store_killed_under_load_sheds_then_stores_every_event_once(store, services):
    service, small = services
    ingestor = service.services.ingestor
    trackers = [Tracker(service.http, n) for n in range(CLIENTS)]
    load = [asyncio.create_task(tracker.run()) for tracker in trackers]
    try:
        await wait_until(lambda: all(len(t.confirmed) >= 2 for t in trackers))
        os.kill(store.pid, signal.SIGKILL)
        killed = time.monotonic()
        await wait_until(lambda: sum(len(t.refusals) for t in trackers) >= 3 * CLIENTS, OUTAGE_SECONDS)

        assert (await service.http.get("/livez")).status_code == 200
        ready = await service.http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["store"] == "unreachable"
        assert (await service.http.get("/healthz")).status_code == 503
        # The trackers hold their next batches, so that every pass counted below is the burst's.
        for tracker in trackers:
            tracker.sending.clear()
        await wait_until(lambda: not any(t.awaiting_answer for t in trackers))
        # A burst does not line up behind one another's store timeouts: it arrives while a
        # pass waits on the store, and is refused with that pass's answer rather than waiting
        # on passes of its own, one after another.
        passes_before = ingestor.passes_run
        first = asyncio.create_task(service.http.post("/collect", json=batch("burst-first", "b")))
        await wait_until(lambda: ingestor.passes_run > passes_before)
        burst = await asyncio.gather(first, *(
            service.http.post("/collect", json=batch(f"burst-{n}", "b")) for n in range(BURST)
        ))
        burst_passes = ingestor.passes_run - passes_before
        # Segment definitions due for a refresh: every caller gets the last loaded copy, and
        # they wait on one refresh together rather than on one each, in turn.
        segments = service.services.segments
        last_loaded = segments.latest
        service.clock.advance(seconds=service.settings.segment_refresh_seconds + 1)
        refreshes_before = segments.refreshes_run
        copies = await asyncio.gather(*(segments.current() for _ in range(10)))
        refreshes = segments.refreshes_run - refreshes_before
        for tracker in trackers:
            tracker.sending.set()
        # Beyond the batches in flight, the answer is at once a 503 too.
        crowd = await asyncio.gather(*(
            small.http.post("/collect", json=batch(f"crowd-{n}", "c")) for n in range(3)
        ))
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - killed)))
        await store.start()
        at_restart = {t.cookie: len(t.confirmed) for t in trackers}
        await wait_until(lambda: all(len(t.confirmed) >= at_restart[t.cookie] + 2 for t in trackers))
    finally:
        for tracker in trackers:
            tracker.running = False
            tracker.sending.set()
        await asyncio.gather(*load, return_exceptions=True)

    refusals = [response for tracker in trackers for response in tracker.refusals] + list(burst)
    assert {response.status_code for response in refusals} == {503}
    assert all(response.headers["retry-after"].isdigit() for response in refusals)
    assert {response.json()["error"] for response in refusals} == {"store: unavailable; retry later"}
    assert burst_passes == 1
    assert all(copy is last_loaded for copy in copies)
    assert refreshes == 1
    assert sorted(response.status_code for response in crowd) == [503, 503, 503]
    assert "busy: too many batches in progress; retry later" in {r.json()["error"] for r in crowd}
    assert "store: unavailable; retry later" in {r.json()["error"] for r in crowd}

    assert (await service.http.get("/readyz")).status_code == 200
    # Positive control for the small service: one batch at a time is let through.
    assert (await small.http.post("/collect", json=batch("crowd-0", "c"))).status_code == 200

    # Every event is counted on its session once: a batch cut off by the kill was completed
    # by its retry, not answered "duplicate" and left half done.
    await assert_confirmed_events_stored_and_counted_once(store, service, trackers)


TRACK = """mutation($events: [TrackEventInput!]!) {
  trackEvents(deploymentId: "default", events: $events) { accepted duplicates sessionIds }
}"""
ENGAGE = """mutation($session: ID!) {
  recordEngagement(input: {sessionId: $session, engagementId: "chat-1", mediaType: "webchat",
                           state: "qualified"}) { id eventCount }
}"""


def pageviews(cookie: str, *event_ids: str) -> dict:
    return {"events": [
        {"id": event_id, "type": "PAGEVIEW", "cookieId": cookie, "page": {"url": f"https://shop.example/{event_id}"}}
        for event_id in event_ids
    ]}


def unavailable(answer: dict) -> dict:
    """The one error of a mutation turned away: a client can tell when to send it again."""
    assert answer["data"] is None, answer
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE", error
    assert isinstance(error["extensions"]["retryAfter"], int) and error["extensions"]["retryAfter"] >= 1
    return error


@pytest.fixture
async def one_at_a_time(store: EmbeddedStore) -> AsyncIterator[Service]:
    """A service that works on one batch at a time and waits long for an unreachable store,
    so a batch waiting on the dead store keeps its place while others arrive."""
    service = await start_service(store.uri, max_batches_in_flight=1, store_timeout_seconds=5)
    try:
        yield service
    finally:
        await service.stop()


async def test_mutations_are_turned_away_with_a_retry_time_while_the_store_is_down(store, services, one_at_a_time):
    service, _ = services
    session_id = (await service.data(TRACK, pageviews("graphql-1", "p1")))["trackEvents"]["sessionIds"][0]
    counted_before = [await scrape(service), await scrape(one_at_a_time)]
    await store.stop()

    tracked = await service.graphql(TRACK, pageviews("graphql-1", "p2", "p3"))
    engaged = await service.graphql(ENGAGE, {"session": session_id})
    # The place is taken by a /collect batch waiting on the store: the mutations are refused
    # at once, as further batches to /collect are.
    waiting = asyncio.create_task(one_at_a_time.http.post("/collect", json=batch("crowd-collect", "c")))
    admission = one_at_a_time.app.state.admission
    await until(lambda: admission.in_flight == 1, lambda: f"{admission.in_flight} batches in progress")
    crowd = [await one_at_a_time.graphql(TRACK, pageviews(f"crowd-{n}", "c")) for n in range(2)]
    crowd.append(await one_at_a_time.graphql(ENGAGE, {"session": session_id}))
    assert (await waiting).status_code == 503

    for answer in (tracked, engaged):
        assert unavailable(answer)["message"] == "store: unavailable; retry later"
    busy = "busy: too many batches in progress; retry later"
    assert [unavailable(answer)["message"] for answer in crowd] == [busy, busy, busy]
    # Counted as rejected batches, by reason, as POST /collect's refusals are.
    counted = [await scrape(service), await scrape(one_at_a_time)]

    def rejected(instance: int, reason: str) -> float:
        return (value(counted[instance], "journey_batches_total", outcome="rejected", reason=reason)
                - value(counted_before[instance], "journey_batches_total", outcome="rejected", reason=reason))

    assert (rejected(0, "store"), rejected(0, "busy")) == (2, 0)
    assert (rejected(1, "store"), rejected(1, "busy")) == (1, 3)  # the waiting /collect batch, the crowd

    await store.start()
    # Nothing of the refused attempts was stored: the same events sent again are all new,
    # and the engagement step is recorded once.
    retried = await service.data(TRACK, pageviews("graphql-1", "p2", "p3"))
    assert retried["trackEvents"] == {"accepted": 2, "duplicates": 0, "sessionIds": [session_id]}
    recorded = await service.data(ENGAGE, {"session": session_id})
    assert recorded["recordEngagement"] == {"id": session_id, "eventCount": 4}
    assert (await one_at_a_time.data(TRACK, pageviews("crowd-0", "c")))["trackEvents"]["accepted"] == 1


STORE_UNAVAILABLE = "store: unavailable; retry later"


def refused_for_the_store(answer: dict) -> None:
    """Every error of an operation the store could not serve is the refusal a client can act
    on, never a masked server fault, and nothing is answered as if it were data."""
    assert answer["errors"], answer
    for error in answer["errors"]:
        assert error["message"] == STORE_UNAVAILABLE, error
        assert error["extensions"]["code"] == "UNAVAILABLE", error
        assert isinstance(error["extensions"]["retryAfter"], int) and error["extensions"]["retryAfter"] >= 1
    assert answer["data"] is None or set(answer["data"].values()) == {None}, answer


JOURNEY_MAP = "subscription($s: ID!) { journeyMap(sessionId: $s) { kind } }"


def operations(customer_id: str, session_id: str, started_at: str) -> dict[str, tuple[str, dict]]:
    """Queries and mutations of every kind that read or write the store."""
    return {
        "customer": ("query($c: ID!) { customer(id: $c) { id } }", {"c": customer_id}),
        "session": ("query($s: ID!) { session(id: $s) { id eventCount } }", {"s": session_id}),
        "liveVisitors": ("{ liveVisitors(first: 5) { nodes { id } } }", {}),
        # Never answered from the copy ingest keeps using, which may be out of date.
        "segments": ("{ segments { id name } }", {}),
        "outcomes": ("{ outcomes { id name } }", {}),
        "createSegment": (
            'mutation { createSegment(input: {name: "Outage", color: "#000000", scope: SESSION, '
            'conditions: [{field: "eventName", operator: EQUAL, values: ["a"]}]}) { id } }', {},
        ),
        "identifyCustomer": (
            'mutation($c: ID!) { identifyCustomer(input: {customerId: $c, externalId: "outage-1"}) { id } }',
            {"c": customer_id},
        ),
        "recordConversation": (
            "mutation($input: ConversationInput!) { recordConversation(input: $input) { id } }",
            {"input": {"conversationId": "conv-outage", "customerId": customer_id, "channel": "WEBCHAT",
                       "direction": "INBOUND", "divisionId": "sales", "startedAt": started_at}},
        ),
    }


async def test_every_operation_the_stopped_store_cannot_serve_is_told_when_to_send_it_again(store, services, caplog):
    service, _ = services
    visit = await service.collect([{"id": "v1", "type": "pageview", "page": {"url": "https://shop.example/"}}],
                                  cookie_id="graphql-outage")
    customer_id, session_id = visit["customerIds"][0], visit["sessionIds"][0]
    asked = operations(customer_id, session_id, service.clock.now().isoformat())
    async with service.socket() as socket:
        await store.stop()
        answers = {name: await service.graphql(query, variables) for name, (query, variables) in asked.items()}
        refused = await socket.subscribe(JOURNEY_MAP, {"s": session_id})
        refusal = await socket.message(refused)
        # The connection stays open for the console's other subscriptions.
        assert await socket.ping() == {"type": "pong"}

        for answer in answers.values():
            refused_for_the_store(answer)
        assert refusal["type"] == "error", refusal
        refused_for_the_store({"data": None, "errors": refusal["payload"]})
        assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []

        await store.start()
        # Positive control: once the store is back, the same operations and the same
        # subscription on the same connection are served.
        for name, (query, variables) in asked.items():
            assert (await service.data(query, variables))[name] is not None, name
        followed = await socket.subscribe(JOURNEY_MAP, {"s": session_id})
        await service.until_listening(topics.journey(session_id))
        await service.collect([{"id": "v2", "type": "pageview", "page": {"url": "https://shop.example/b"}}],
                              cookie_id="graphql-outage")
        assert (await socket.next(followed))["journeyMap"]["kind"] == "PAGEVIEW"


CREATE_KEY = ('mutation($p: [String!]!) { createApiKey(input: {name: "console", permissions: $p, divisions: ["*"]}) '
              '{ token } }')
LIVE_NOW = "{ liveVisitors(first: 5) { nodes { id } } }"
LIVE_NOW_CHANGES = "subscription { liveVisitors { kind } }"


@pytest.fixture
async def keys_checked_often(store: EmbeddedStore) -> AsyncIterator[Service]:
    """A service that asks the store about an API key nearly whenever one is used: it
    remembers an answer for 10 ms."""
    service = await start_service(store.uri, credential_check_seconds=0.01)
    try:
        yield service
    finally:
        await service.stop()


async def test_an_api_key_the_stopped_store_cannot_check_is_told_when_to_come_back(store, keys_checked_often, caplog):
    service = keys_checked_often
    key = (await service.data(CREATE_KEY, {"p": [perm.VISIT_VIEW]}))["createApiKey"]["token"]
    bearer = {"Authorization": f"Bearer {key}"}
    async with service.socket(token=key) as socket:
        await store.stop()
        await until(lambda: _store_seen_away(service), lambda: "the service still sees the store")
        answered = await service.http.post("/graphql", json={"query": LIVE_NOW}, headers=bearer)
        refused = await socket.subscribe(LIVE_NOW_CHANGES)
        refusal = await socket.message(refused)
        assert await socket.ping() == {"type": "pong"}
        turned_away = service.socket(token=key)
        await turned_away.open(expect_ack=False)
        closed = await turned_away.wait_closed()

        assert answered.status_code == 503 and answered.headers["retry-after"].isdigit()
        refused_for_the_store({"data": None, **answered.json()})
        assert refusal["type"] == "error", refusal
        refused_for_the_store({"data": None, "errors": refusal["payload"]})
        # A new connection cannot be acknowledged: "try again later", in WebSocket's own code.
        assert closed == (1013, STORE_UNAVAILABLE)
        assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []

        await store.start()
        # Positive control: the key works again, on the open connection and on a new one.
        assert (await service.data(LIVE_NOW, token=key))["liveVisitors"] == {"nodes": []}
        followed = await socket.subscribe(LIVE_NOW_CHANGES)
        await service.until_listening(topics.LIVE_VISITORS)
        await service.collect([{"id": "k1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
        assert (await socket.next(followed))["liveVisitors"]["kind"] == "CREATED"
        async with service.socket(token=key) as second:
            assert await second.ping() == {"type": "pong"}


async def _store_seen_away(service: Service) -> bool:
    return (await service.http.get("/readyz")).json()["store"] == "unreachable"


PATIENT_DRIVER = "&connectTimeoutMS=600000"
"""The driver's monitor gives up on a silent store after its heartbeat interval plus its
connect timeout (30 s by default) and then interrupts whatever waits on it; with a long
connect timeout, as on a slow network, that rescue is ten minutes away, so a request is
answered only if the service bounds its own store operations."""


@pytest.fixture
async def bounded(store: EmbeddedStore) -> AsyncIterator[Service]:
    """A service that gives one store operation a second before it answers that the
    store is unavailable."""
    service = await start_service(
        store.uri + PATIENT_DRIVER, collect_rate_per_minute=100_000, store_operation_timeout_seconds=1,
    )
    try:
        yield service
    finally:
        await service.stop()


class Hung:
    """The store's process stopped (SIGSTOP): its connections stay open and it answers
    nothing, as a wedged or swapped-out store does. Continued on leaving, whatever happens."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.pid = store.pid
        self.stopped = False

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self.stopped = True

    def resume(self) -> None:
        if self.stopped:
            os.kill(self.pid, signal.SIGCONT)
            self.stopped = False


@pytest.fixture
def hung(store: EmbeddedStore):
    hung = Hung(store)
    try:
        yield hung
    finally:
        hung.resume()


SEGMENTS = "{ segments { id name } outcomes { id } }"
SESSION = "query($s: ID!) { session(id: $s) { id eventCount } }"


async def test_a_store_that_hangs_is_answered_unavailable_and_every_event_is_stored_once_after_it_resumes(
    store, bounded, hung, caplog,
):
    service = bounded
    session_id = (await service.data(TRACK, pageviews("hung-graphql", "g1")))["trackEvents"]["sessionIds"][0]
    await service.data(SEGMENTS)  # served while the store answers
    trackers = [Tracker(service.http, n) for n in range(CLIENTS)]
    load = [asyncio.create_task(tracker.run()) for tracker in trackers]
    try:
        await wait_until(lambda: all(len(t.confirmed) >= 2 for t in trackers))
        hung.stop()
        # Without a bound on each store operation these would wait for as long as the store
        # stays stopped: the wait below would run out instead.
        await wait_until(lambda: sum(len(t.refusals) for t in trackers) >= 3 * CLIENTS)
        tracked = await service.http.post(
            "/graphql", json={"query": TRACK, "variables": pageviews("hung-graphql", "g2", "g3")},
            headers={"Authorization": "Bearer test-admin-token"},
        )
        read = await service.http.post(
            "/graphql", json={"query": SESSION, "variables": {"s": session_id}},
            headers={"Authorization": "Bearer test-admin-token"},
        )
        listed = await service.http.post(
            "/graphql", json={"query": SEGMENTS}, headers={"Authorization": "Bearer test-admin-token"},
        )
        ready = await service.http.get("/readyz")
        hung.resume()
        at_resume = {t.cookie: len(t.confirmed) for t in trackers}
        # It recovers by itself: every tracker has batches stored again.
        await wait_until(lambda: all(len(t.confirmed) >= at_resume[t.cookie] + 2 for t in trackers))
    finally:
        hung.resume()  # so that trackers waiting on it can finish if the test failed
        for tracker in trackers:
            tracker.running = False
        await asyncio.gather(*load, return_exceptions=True)

    refusals = [response for tracker in trackers for response in tracker.refusals]
    assert {response.status_code for response in refusals} == {503}
    assert all(response.headers["retry-after"].isdigit() for response in refusals)
    assert {response.json()["error"] for response in refusals} == {STORE_UNAVAILABLE}
    for answer in (tracked, read, listed):
        assert answer.status_code == 200
        refused_for_the_store(answer.json())
        assert answer.headers["retry-after"] == str(answer.json()["errors"][0]["extensions"]["retryAfter"])
    assert ready.status_code == 503 and ready.json()["store"] == "unreachable"
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []

    # The refused mutation sent again is stored once, whatever its first attempt left.
    retried = await service.data(TRACK, pageviews("hung-graphql", "g2", "g3"))
    assert retried["trackEvents"]["accepted"] + retried["trackEvents"]["duplicates"] == 2
    assert (await service.data(SESSION, {"s": session_id}))["session"]["eventCount"] == 3
    assert (await service.http.get("/readyz")).status_code == 200

    # Operations the service gave up on ran when the store resumed; the retries completed
    # their batches without storing or counting anything twice.
    await assert_confirmed_events_stored_and_counted_once(store, service, trackers)


async def test_an_answer_that_turned_the_whole_operation_away_says_when_to_send_it_again_in_its_headers(
    store, services,
):
    service, _ = services
    visit = await service.collect([{"id": "h1", "type": "pageview", "page": {"url": "https://shop.example/"}}],
                                  cookie_id="retry-after")
    customer = ("query($c: ID!) { customer(id: $c) { id } }", {"c": visit["customerIds"][0]})
    with_viewer = ("query($c: ID!) { viewer { name } customer(id: $c) { id } }", {"c": visit["customerIds"][0]})
    tracked = (TRACK, pageviews("retry-after", "h2"))
    bearer = {"Authorization": "Bearer test-admin-token"}

    async def ask(query: str, variables: dict, accept: str = "application/json") -> httpx.Response:
        return await service.http.post("/graphql", json={"query": query, "variables": variables},
                                       headers={**bearer, "Accept": accept})

    served = await ask(*customer)
    await store.stop()
    refused = [await ask(*customer), await ask(*tracked),
               await ask(*customer, accept="application/graphql-response+json")]
    partial = await ask(*with_viewer)

    assert "retry-after" not in served.headers
    for answer in refused:
        assert answer.status_code == 200
        refused_for_the_store(answer.json())
        assert answer.headers["retry-after"] == str(answer.json()["errors"][0]["extensions"]["retryAfter"])
    # Part of the operation was answered: its error says when to ask again for that part,
    # and the header, which would have the whole request sent again, is left out.
    assert partial.json()["data"]["viewer"] == {"name": "admin"}
    assert partial.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert "retry-after" not in partial.headers


async def test_a_refusal_other_than_unavailable_has_no_retry_after(services):
    service, _ = services
    bearer = {"Authorization": "Bearer test-admin-token"}
    mistaken = await service.http.post("/graphql", json={"query": 'mutation { revokeApiKey(id: "none") }'},
                                       headers=bearer)
    forbidden = await service.http.post("/graphql", json={"query": "{ segments { id } }"})
    assert mistaken.json()["errors"] and "retry-after" not in mistaken.headers
    assert forbidden.status_code == 401 and "retry-after" not in forbidden.headers


def new_segment(name: str) -> str:
    return (f'{name}: createSegment(input: {{name: "{name}", color: "#000000", scope: SESSION, '
            'conditions: [{field: "eventName", operator: EQUAL, values: ["a"]}]}) { id }')


async def test_a_mutation_document_waits_on_the_hung_store_once_not_once_per_field(store, bounded, hung):
    service = bounded
    document = "mutation { " + " ".join(new_segment(name) for name in ("first", "second", "third")) + " }"
    assert (await service.data("{ segments { id } }"))["segments"] is not None
    service.commands.reset()
    hung.stop()
    answer = await service.http.post("/graphql", json={"query": document},
                                     headers={"Authorization": "Bearer test-admin-token"})
    asked = service.commands.on("segments")
    hung.resume()

    # The first field met the store's bound once (the driver does not send it again to
    # wait a second time); every mutation field is non-null, so its error ends the
    # document there and the other two never ask the store.
    refused_for_the_store(answer.json())
    assert [error["path"] for error in answer.json()["errors"]] == [["first"]]
    assert answer.headers["retry-after"].isdigit()
    assert len(asked) == 1, asked
    # Nothing of the document was carried out: sent again, all three are created once.
    created = await service.data(document)
    assert len({created[name]["id"] for name in ("first", "second", "third")}) == 3
    names = [segment["name"] for segment in (await service.data("{ segments { name } }"))["segments"]]
    assert sorted(name for name in names if name in {"first", "second", "third"}) == ["first", "second", "third"]


async def outlasted(service: Service, cookie: str) -> list[int]:
    """Batches sent one after another, after long work's first operation, each refused once
    its own bound has passed: by the end that operation has waited longer than a bounded
    one would have, its one retry by the driver included."""
    return [(await service.http.post("/collect", json=batch(cookie, f"during-{n}"))).status_code for n in range(3)]


async def test_an_import_outlasts_a_store_that_hangs_for_longer_than_a_request_may_wait(store, bounded, hung):
    service = bounded
    bearer = {"Authorization": "Bearer test-admin-token"}
    started = service.clock.now() - timedelta(days=3)
    rows = "".join(
        json.dumps({"cookieId": f"import-{n % 5}", "id": f"i{n}", "type": "pageview",
                    "occurredAt": (started + timedelta(minutes=n)).isoformat(),
                    "page": {"url": f"https://shop.example/{n}"}}) + "\n"
        for n in range(400)
    )
    await service.collect([{"id": "before", "type": "pageview", "page": {"url": "https://shop.example/"}}],
                          cookie_id="import-live")
    asked = len(service.commands.on("deployments"))
    hung.stop()
    importing = asyncio.create_task(
        service.http.post("/import", content=rows.encode(), params={"format": "jsonl"}, headers=bearer)
    )
    await until(lambda: len(service.commands.on("deployments")) > asked, lambda: "the import has not asked the store")
    refused = await outlasted(service, "import-live")
    hung.resume()
    answer = await importing

    assert refused == [503, 503, 503]
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 400


async def test_training_outlasts_a_store_that_hangs_for_longer_than_a_request_may_wait(store, bounded, hung):
    service = bounded
    await service.collect([{"id": "before", "type": "pageview", "page": {"url": "https://shop.example/"}}],
                          cookie_id="training-live")
    asked = len(service.commands.on("outcomes"))
    hung.stop()
    training = asyncio.create_task(service.graphql("mutation { trainOutcomeModels { trained } }"))
    await until(lambda: len(service.commands.on("outcomes")) > asked, lambda: "training has not asked the store")
    refused = await outlasted(service, "training-live")
    hung.resume()
    answer = await training

    assert refused == [503, 503, 503]
    assert answer == {"data": {"trainOutcomeModels": []}}


async def test_batches_queued_behind_a_pass_that_found_the_store_hung_are_refused_without_waiting_again(
    store, bounded, hung,
):
    service = bounded
    await service.collect([{"id": "warm", "type": "pageview", "page": {"url": "https://shop.example/"}}],
                          cookie_id="queued-warm")
    asked = len(service.commands.on("identities"))
    hung.stop()
    first = asyncio.create_task(service.http.post("/collect", json=batch("queued-0", "q")))
    await until(lambda: len(service.commands.on("identities")) > asked, lambda: "the first pass has not begun")
    # Sent while the first pass waits on the store: they queue for the next pass.
    behind = [asyncio.create_task(service.http.post("/collect", json=batch(f"queued-{n}", "q"))) for n in (1, 2)]
    answers = [await first, *[await task for task in behind]]
    passes_asked = len(service.commands.on("identities")) - asked
    hung.resume()

    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert {answer.json()["error"] for answer in answers} == {STORE_UNAVAILABLE}
    assert all(answer.headers["retry-after"].isdigit() for answer in answers)
    # Only the first pass asked the hung store; the batches behind it were refused with its answer.
    assert passes_asked == 1
    # Positive control: sent again once the store is back, each is stored.
    for n in range(3):
        assert (await service.collect([{"id": "q", "type": "pageview", "page": {"url": "https://shop.example/q"}}],
                                      cookie_id=f"queued-{n}"))["accepted"] == 1
