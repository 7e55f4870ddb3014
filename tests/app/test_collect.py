"""POST /collect: what a tracker sees when it sends events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.service import Service

PAGE = {"url": "https://shop.example/p/1", "title": "Shoes"}


def pageview(event_id: str, **extra) -> dict:
    return {"id": event_id, "type": "pageview", "page": PAGE, **extra}


async def test_accepts_events_and_names_their_session_and_customer(service: Service):
    body = await service.collect(
        [pageview("e-1"), {"id": "e-2", "type": "custom", "name": "add_to_cart", "attributes": {"sku": "A1"}}]
    )
    assert [e["status"] for e in body["events"]] == ["accepted", "accepted"]
    assert len(body["customerIds"]) == 1 and len(body["sessionIds"]) == 1
    assert {e["sessionId"] for e in body["events"]} == set(body["sessionIds"])


async def test_repeated_event_id_is_a_duplicate_and_stored_once(service: Service):
    first = await service.collect([pageview("e-1")])
    again = await service.collect([pageview("e-1"), pageview("e-2")])
    assert [e["status"] for e in again["events"]] == ["duplicate", "accepted"]
    data = await service.data(
        "query($id: ID!) { session(id: $id) { pageviewCount eventCount journey { nodes { kind } } } }",
        {"id": first["sessionIds"][0]},
    )
    assert data["session"]["pageviewCount"] == 2
    assert len(data["session"]["journey"]["nodes"]) == 2


async def test_same_id_twice_in_one_batch_is_stored_once(service: Service):
    body = await service.collect([pageview("e-1"), pageview("e-1")])
    assert [e["status"] for e in body["events"]] == ["accepted", "duplicate"]


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"type": "pageview", "page": PAGE}, "events[0].id: is required"),
        ({"id": "x", "type": "click"}, "events[0].type: must be one of pageview, search, custom"),
        ({"id": "x", "type": "pageview"}, "events[0].page: is required"),
        ({"id": "x", "type": "pageview", "page": {"url": "javascript:alert(1)"}},
         "events[0].page.url: must be an http or https URL"),
        ({"id": "x", "type": "pageview", "page": {"url": "https://a.example/" + "p" * 3000}},
         "events[0].page.url: is longer than 2048 characters"),
        ({"id": "x", "type": "pageview", "page": PAGE, "referrer": "ftp://x.example"},
         "events[0].referrer: must be an http or https URL"),
        ({"id": "x", "type": "search"}, "events[0].query: is required"),
        ({"id": "x", "type": "custom", "name": "1bad"}, "events[0].name: must start with a letter"),
        ({"id": "x", "type": "custom", "name": "ok", "attributes": [1]},
         "events[0].attributes: must be an object"),
        ({"id": "x", "type": "custom", "name": "ok", "attributes": {"a": {"b": 1}}},
         "events[0].attributes.a: must be a string, number, boolean or null"),
        ({"id": "x", "type": "pageview", "page": PAGE, "occurredAt": "yesterday"},
         "events[0].occurredAt: must be an ISO 8601 date-time string"),
        ({"id": "x", "type": "pageview", "page": PAGE, "occurredAt": "2026-11-24T10:00:00"},
         "events[0].occurredAt: must include a time zone"),
        ("not an object", "events[0]: must be an object"),
    ],
)
async def test_bad_event_is_rejected_with_a_reason_naming_the_field(service: Service, event, reason):
    body = await service.collect([event])
    assert body["events"][0]["status"] == "rejected"
    assert body["events"][0]["reason"].startswith(reason)
    assert body["sessionIds"] == []


async def test_rejected_event_leaves_no_trace_while_its_batch_neighbours_land(service: Service):
    body = await service.collect([pageview("good"), {"id": "bad", "type": "pageview"}])
    assert [e["status"] for e in body["events"]] == ["accepted", "rejected"]
    data = await service.data(
        "query($id: ID!) { session(id: $id) { eventCount } }", {"id": body["sessionIds"][0]}
    )
    assert data["session"]["eventCount"] == 1


async def test_events_older_than_an_hour_or_in_the_future_are_rejected(service: Service):
    now = service.clock.now()
    old = (now - timedelta(hours=1, seconds=1)).isoformat()
    future = (now + timedelta(minutes=10)).isoformat()
    recent = (now - timedelta(minutes=59)).isoformat()
    body = await service.collect(
        [pageview("old", occurredAt=old), pageview("future", occurredAt=future), pageview("ok", occurredAt=recent)]
    )
    assert [e["status"] for e in body["events"]] == ["rejected", "rejected", "accepted"]
    assert "older than 3600 seconds" in body["events"][0]["reason"]
    assert "in the future" in body["events"][1]["reason"]


async def test_search_term_in_the_page_url_is_captured_as_a_search(service: Service):
    body = await service.collect(
        [pageview("e-1", page={"url": "https://shop.example/find?q=red+shoes", "title": "Find"})]
    )
    data = await service.data(
        "query($id: ID!) { session(id: $id) { searches { query } journey { nodes { kind query } } } }",
        {"id": body["sessionIds"][0]},
    )
    assert data["session"]["searches"] == [{"query": "red shoes"}]
    assert [n["kind"] for n in data["session"]["journey"]["nodes"]] == ["PAGEVIEW", "SEARCH"]


async def test_a_page_view_keeps_the_details_sent_with_it(service: Service):
    body = await service.collect([pageview("e-1", attributes={"category": "boots", "sku": "B7"})])
    data = await service.data(
        "query($id: ID!) { session(id: $id) { journey { nodes { kind attributes } } } }",
        {"id": body["sessionIds"][0]},
    )
    [node] = data["session"]["journey"]["nodes"]
    assert node == {"kind": "PAGEVIEW", "attributes": {"category": "boots", "sku": "B7"}}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "body: is not valid JSON"),
        (b"[1, 2]", 400, "body: must be a JSON object"),
        (b'{"deploymentId": "default", "cookieId": "c", "events": {}}', 400, "events: must be a list"),
        (b'{"deploymentId": "nope", "cookieId": "c", "events": [{"id": "1", "type": "search", "query": "x"}]}',
         400, "deploymentId: unknown deployment 'nope'"),
        (b'{"deploymentId": "default", "cookieId": "c", "events": []}', 400,
         "events: must contain at least one event"),
        (b'{"cookieId": "c", "events": [{"id": "1", "type": "search", "query": "x"}]}', 400,
         "deploymentId: is required"),
    ],
)
async def test_bad_batch_is_refused_whole_with_a_clear_error(service: Service, body, status, message):
    response = await service.http.post("/collect", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == status
    assert response.json() == {"error": message}


async def test_batch_over_the_event_limit_is_refused(start):
    service = await start(max_batch_events=5)
    response = await service.http.post(
        "/collect",
        json={"deploymentId": "default", "cookieId": "c", "events": [pageview(str(i)) for i in range(6)]},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "events: has more than 5 events"}


async def test_body_over_the_size_limit_is_refused_before_reading(start):
    service = await start(max_body_bytes=1000)
    response = await service.http.post("/collect", content=b"{" + b" " * 5000 + b"}")
    assert response.status_code == 413
    assert response.json() == {"error": "body: larger than 1000 bytes"}


async def test_beacon_sent_as_text_plain_is_accepted(service: Service):
    response = await service.http.post(
        "/collect",
        content=b'{"deploymentId":"default","cookieId":"c-9","events":[{"id":"1","type":"search","query":"hats"}]}',
        headers={"content-type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 200
    assert response.json()["events"][0]["status"] == "accepted"
