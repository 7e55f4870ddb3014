"""Generated input for /collect, /import and GraphQL variables: never a 5xx or an unexpected
server error, and an event that is rejected leaves nothing stored.

Hypothesis drives a real service on a loopback port from a worker thread (the service keeps
the test's event loop), and checks the store over the real wire protocol. Examples are few
and each is bounded in time: the suite runs on a loaded machine."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import MongoClient

from journey.assembly import event_types
from resolvers.build import UNEXPECTED
from tests.support.service import ADMIN_TOKEN

# The service runs in this process, so its own use of `random` (jitter, ids) happens while
# Hypothesis draws examples in the worker thread; that use is not the strategies'.
pytestmark = [
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
    pytest.mark.slow,  # hundreds of examples each
]

EVENT_TYPES = sorted(event_types(phone_default_region="US").by_name)
FUZZ = settings(
    max_examples=20, deadline=timedelta(seconds=20), database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


HOSTILE_NUMBERS = [2**64, -(2**64) - 1, 10**30, float("inf"), float("-inf"), float("nan"), 2**63 - 1, -0.0]
HOSTILE_TEXT = ["", " ", "\x00", "\u202e", "$ne", "javascript:alert(1)", "<script>alert(1)</script>", "x" * 600,
                "2026-12-03T04:00:00", "ann@shop.example", "+1 650 253 0000", "null",
                _cursor([{"$ne": None}, {"$ne": None}]), _cursor([{"$where": "1"}, "x"]), _cursor(["x"])]
numbers = st.one_of(st.sampled_from(HOSTILE_NUMBERS), st.integers(), st.floats())
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=30), st.sampled_from(HOSTILE_TEXT))
hostile = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(
        st.one_of(st.sampled_from(["$ne", "$where", "sku", "a.b", ""]), st.text(max_size=8)), inner, max_size=3)),
    max_leaves=6,
)

odd_text = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_TEXT))


def _now_iso(offset: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset)).isoformat()


def _valid(kind: str, n: int) -> dict:
    """An event of the kind that would be accepted as it is."""
    base = {"id": f"e-{n}", "type": kind, "occurredAt": _now_iso()}
    extra = {
        "pageview": {"page": {"url": f"https://shop.example/p/{n}?q=shoes", "title": "Shoes"}},
        "search": {"query": "red shoes"},
        "custom": {"name": "add_to_cart", "attributes": {"sku": "A1", "qty": 2}},
        "identify": {"traits": {"email": f"fz{n}@shop.example", "plan": "gold"}},
    }.get(kind, {})
    return {**base, **extra}


COMMON_FIELDS = ["id", "type", "occurredAt"]
FIELDS = {
    "pageview": ["page", "page.url", "page.title", "referrer"],
    "search": ["query"],
    "custom": ["name", "attributes", "attributes.qty", "attributes.sku"],
    "identify": ["traits", "traits.email", "traits.phone", "traits.plan"],
}
hostile_value = st.one_of(st.sampled_from(HOSTILE_NUMBERS), st.sampled_from(HOSTILE_TEXT), hostile)
# Free-form attributes and traits are where odd values get furthest.
KINDS = [*EVENT_TYPES, "custom", "custom", "identify"]


@st.composite
def events(draw) -> dict:
    """A valid event with up to two fields replaced by hostile values: deep enough to get
    past the first check, odd enough to find the next one."""
    kind = draw(st.sampled_from(KINDS))
    event = _valid(kind, draw(st.integers(0, 10**6)))
    fields = FIELDS.get(kind, []) * 3 + COMMON_FIELDS
    for path in draw(st.lists(st.sampled_from(fields), max_size=2, unique=True)):
        head, _, tail = path.partition(".")
        value = draw(hostile_value)
        if not tail:
            event[head] = value
        elif isinstance(event.get(head), dict):
            event[head] = {**event[head], tail: value}
        else:
            event[head] = {tail: value}
    return event


def _stored_for(db, cookie: str) -> dict[str, int]:
    return {
        "events": db.events.count_documents({"cookieId": cookie}),
        "identities": db.identities.count_documents({"_id": f"COOKIE:{cookie}"}),
    }


async def test_collect_never_fails_and_rejected_events_store_nothing(service, mongodb_uri):
    @FUZZ
    @given(batch=st.lists(events(), min_size=1, max_size=4),
           deployment=st.one_of(st.just("default"), st.just("default"), odd_text, scalars))
    def check(batch, deployment) -> None:
        cookie = f"fz-{uuid.uuid4().hex}"
        body = json.dumps({"deploymentId": deployment, "cookieId": cookie, "events": batch})
        response = client.post("/collect", content=body, headers={"content-type": "text/plain"})
        assert response.status_code < 500, response.text
        answer = response.json()
        if response.status_code != 200 or all(event["status"] == "rejected" for event in answer["events"]):
            assert _stored_for(db, cookie) == {"events": 0, "identities": 0}, (body, answer)

    @FUZZ
    @given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
    def check_raw(raw) -> None:
        assert client.post("/collect", content=raw).status_code < 500

    await service.listen()  # requests from other threads, through the socket
    with httpx.Client(base_url=service.base_url, timeout=30) as client, MongoClient(mongodb_uri) as mongo:
        db = mongo[service.settings.database]
        await asyncio.to_thread(check)
        await asyncio.to_thread(check_raw)


CSV_COLUMNS = ["cookieId", "type", "id", "occurredAt", "query", "url", "name", "attributes"]


def _csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


async def test_import_never_fails_and_rejected_rows_store_nothing(service, mongodb_uri):
    @FUZZ
    @given(rows=st.lists(st.fixed_dictionaries({
        "type": st.one_of(st.sampled_from(EVENT_TYPES), odd_text), "id": odd_text,
        "occurredAt": st.one_of(odd_text, st.just(_now_iso(-3 * 86400))),
        "query": st.one_of(odd_text, st.integers(131_000, 140_000).map(lambda size: "y" * size)),
        "url": odd_text, "name": odd_text,
        "attributes": st.one_of(odd_text, hostile.map(json.dumps)),
    }), min_size=1, max_size=3), jsonl=st.booleans(), junk=st.one_of(st.none(), st.text(max_size=80)))
    def check(rows, jsonl, junk) -> None:
        cookie = f"fz-{uuid.uuid4().hex}"
        if jsonl:
            lines = [json.dumps({**row, "cookieId": cookie}) for row in rows]
        else:
            lines = [",".join(CSV_COLUMNS)] + [
                ",".join(_csv_field(cookie if c == "cookieId" else row[c]) for c in CSV_COLUMNS) for row in rows
            ]
        if junk is not None:
            lines.append(junk)
        response = client.post(f"/import?format={'jsonl' if jsonl else 'csv'}",
                               content="\n".join(lines).encode("utf-8", "surrogatepass"), headers=AUTH)
        assert response.status_code < 500, response.text
        if response.status_code != 200 or response.json()["accepted"] == 0:
            assert _stored_for(db, cookie)["events"] == 0, (lines, response.text)

    await service.listen()  # requests from other threads, through the socket
    with httpx.Client(base_url=service.base_url, timeout=60) as client, MongoClient(mongodb_uri) as mongo:
        db = mongo[service.settings.database]
        await asyncio.to_thread(check)


OPERATIONS = [
    ("query($id: ID!, $after: String, $first: Int) { customer(id: $id) { sessions(first: $first, after: $after) "
     "{ nodes { id } } } }",
     {"id": odd_text, "after": st.one_of(st.sampled_from(HOSTILE_TEXT[-3:]), odd_text), "first": scalars}),
    ("query($t: IdentityType!, $v: String!) { customerByIdentity(type: $t, value: $v) { id } }",
     {"t": st.one_of(st.sampled_from(["EMAIL", "PHONE", "COOKIE", "EXTERNAL_ID"]), odd_text), "v": odd_text}),
    ("mutation($d: ID!, $e: [TrackEventInput!]!) { trackEvents(deploymentId: $d, events: $e) { accepted } }",
     {"d": st.one_of(st.just("default"), odd_text), "e": st.lists(events().map(
         lambda e: {**e, "cookieId": f"fz-{uuid.uuid4().hex}", "type": str(e["type"]).upper()}), max_size=2)}),
    ("mutation($i: ApiKeyInput!) { createApiKey(input: $i) { key { prefix } } }",
     {"i": st.fixed_dictionaries({"name": odd_text, "permissions": st.lists(odd_text, max_size=2),
                                  "divisions": st.lists(odd_text, max_size=2)})}),
    ("mutation($i: DeploymentInput!) { saveDeployment(input: $i) { id } }",
     {"i": st.fixed_dictionaries({"id": odd_text, "allowedOrigins": st.lists(odd_text, max_size=2),
                                  "formFields": st.lists(odd_text, max_size=2)})}),
]


async def test_graphql_variables_never_cause_a_server_error(service):
    @FUZZ
    @given(data=st.data())
    def check(data) -> None:
        query, variables = data.draw(st.sampled_from(OPERATIONS))
        values = {name: data.draw(strategy) for name, strategy in variables.items()}
        response = client.post("/graphql", content=json.dumps({"query": query, "variables": values}),
                               headers={**AUTH, "content-type": "application/json"})
        assert response.status_code < 500, response.text
        messages = [error.get("message", "") for error in response.json().get("errors") or []]
        assert not any(UNEXPECTED in message for message in messages), (query, values, messages)

    await service.listen()  # requests from other threads, through the socket
    with httpx.Client(base_url=service.base_url, timeout=30) as client:
        await asyncio.to_thread(check)
