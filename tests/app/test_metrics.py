"""/metrics: Prometheus text an operator scrapes, whose counters follow what the service
does, readable only from the allowed networks or with the metrics token."""

from __future__ import annotations

from live import topics
from tests.support.metrics import scrape, value
from tests.support.waiting import until

MAP = "subscription($id: ID!) { journeyMap(sessionId: $id) { kind } }"


def pageview(event_id: str) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/{event_id}"}}


async def test_ingest_counters_move_with_batches_by_outcome(service):
    before = await scrape(service)
    await service.collect([pageview("1"), pageview("2"), {"id": "3", "type": "pageview"}])
    await service.collect([pageview("1")])
    response = await service.http.post(
        "/collect", json={"deploymentId": "nowhere", "cookieId": "c-1", "events": [pageview("9")]}
    )
    assert response.status_code == 400
    after = await scrape(service)

    def moved(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("journey_events_total", outcome="accepted", reason="") == 2
    assert moved("journey_events_total", outcome="rejected", reason="page") == 1
    assert moved("journey_events_total", outcome="duplicate", reason="") == 1
    assert moved("journey_batches_total", outcome="accepted", reason="") == 1
    assert moved("journey_batches_total", outcome="duplicate", reason="") == 1
    assert moved("journey_batches_total", outcome="rejected", reason="deploymentId") == 1
    assert moved("journey_ingest_seconds_count") == 2
    assert moved("journey_outcome_scoring_seconds_count") >= 1
    round_trips = {
        labels: count - before.get((name, labels), 0.0)
        for (name, labels), count in after.items() if name == "journey_db_command_seconds_count"
    }
    assert sum(round_trips.values()) >= 4  # a batch reads and writes several collections
    assert all(dict(labels)["result"] == "ok" for labels, moved_by in round_trips.items() if moved_by)
    assert value(after, "journey_ready", component="store") == 1
    assert value(after, "journey_ready", component="live_channel") == 1
    assert moved("journey_http_requests_total", route="/collect", method="POST", status="200") == 2
    assert moved("journey_http_requests_total", route="/collect", method="POST", status="400") == 1
    assert moved("journey_http_request_seconds_count", route="/collect") == 3


async def test_live_gauges_and_counters_follow_subscribers(start):
    service = await start(live_queue_size=5)
    body = await service.collect([pageview("0")])
    quiet = await scrape(service)
    assert value(quiet, "journey_live_connections") == 0
    assert value(quiet, "journey_live_subscribers") == 0
    async with service.socket() as socket:
        op = await socket.subscribe(MAP, {"id": body["sessionIds"][0]})
        await service.until_listening(topics.journey(body["sessionIds"][0]))
        await service.collect([pageview("1")])
        await socket.next(op)
        live = await scrape(service)
        assert value(live, "journey_live_connections") == 1
        assert value(live, "journey_live_subscribers") == 1
        assert value(live, "journey_live_pushes_total") - value(quiet, "journey_live_pushes_total") >= 1
        assert value(live, "journey_live_lagged_disconnects_total") == 0
        # One batch pushes more than the subscriber's queue holds.
        await service.collect([pageview(str(n)) for n in range(2, 22)])
        await socket.wait_closed()

    async def at_rest() -> bool:
        now = await scrape(service)
        return value(now, "journey_live_connections") == 0 and value(now, "journey_live_subscribers") == 0

    await until(at_rest, lambda: "the live connection and subscriber gauges stay above 0")
    after = await scrape(service)
    assert value(after, "journey_live_lagged_disconnects_total") == 1
    assert value(after, "journey_live_connections") == 0
    assert value(after, "journey_live_subscribers") == 0


async def test_metrics_are_refused_outside_the_allowed_networks(start):
    service = await start(metrics_networks=("10.0.0.0/8",), metrics_token="scrape-secret")
    refused = await service.http.get("/metrics")
    assert refused.status_code == 403
    assert "journey_" not in refused.text
    wrong = await service.http.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    samples = await scrape(service, headers={"Authorization": "Bearer scrape-secret"})
    assert value(samples, "journey_ready", component="store") == 1


async def test_the_admin_token_does_not_open_metrics(start):
    service = await start(metrics_networks=())
    response = await service.http.get("/metrics", headers={"Authorization": "Bearer test-admin-token"})
    assert response.status_code == 403
