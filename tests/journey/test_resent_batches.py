"""A browser resends what a page unloaded before seeing answered; the copy may race the first
send. Whichever stores first, the visit is counted once: counters, segments and outcome progress."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from datetime import timedelta

from live import topics
from storage import identities
from tests.support.outcomes import create_outcome, progress
from tests.support.segments import condition, create_segment, matched


def pageview(event_id: str, sku: str) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/product?sku={sku}"}}


async def test_copies_of_a_batch_sent_at_once_are_counted_once(service):
    await create_outcome(service)
    await create_segment(service, "Four products", condition("page.url", "CONTAINS_ANY", "sku=", count=4))
    first = [pageview("a", "A1"), pageview("b", "A2")]
    resent = [*first, pageview("c", "B1")]  # the next page sends the unanswered ones again
    answers = await asyncio.gather(*(service.collect(batch, cookie_id="shopper") for batch in (first, resent, resent)))

    statuses = sorted(receipt["status"] for answer in answers for receipt in answer["events"])
    assert statuses == ["accepted"] * 3 + ["duplicate"] * 5
    session_id = answers[0]["sessionIds"][0]
    stored = await service.data("query($id: ID!) { session(id: $id) { pageviewCount } }", {"id": session_id})
    assert stored["session"]["pageviewCount"] == 3
    assert await matched(service, session_id) == []  # three pages, not six
    (bar,) = await progress(service, session_id)
    assert [factor["label"] for factor in bar["factors"]] == ["3 pages viewed"]


async def test_copies_sent_to_two_instances_at_once_are_counted_once(start):
    # Each instance holds a browser's turn within itself; the store's turn holds it across them.
    one = await start()
    other = await start(database=one.settings.database, clock=one.clock)
    await create_outcome(one)
    await create_segment(one, "Four products", condition("page.url", "CONTAINS_ANY", "sku=", count=4))

    async def after(delay: float, sending: Awaitable[dict]) -> dict:
        await asyncio.sleep(delay)
        return await sending

    shuffle = random.Random(7)
    for attempt in range(30):
        cookie = f"shopper-{attempt}"
        first = [pageview(f"a{attempt}", "A1"), pageview(f"b{attempt}", "A2")]
        resent = [*first, pageview(f"c{attempt}", "B1")]
        # Sent a few milliseconds apart, either may be working while the other reads.
        answers = await asyncio.gather(
            after(shuffle.uniform(0, 0.01), one.collect(first, cookie_id=cookie)),
            after(shuffle.uniform(0, 0.01), other.collect(resent, cookie_id=cookie)),
        )

        assert {receipt["status"] for answer in answers for receipt in answer["events"]} <= {"accepted", "duplicate"}
        (session_id,) = {sid for answer in answers for sid in answer["sessionIds"]}
        stored = await one.data("query($id: ID!) { session(id: $id) { pageviewCount eventCount } }", {"id": session_id})
        assert stored["session"] == {"pageviewCount": 3, "eventCount": 3}, attempt
        assert await matched(one, session_id) == [], attempt  # three pages, not six
        (bar,) = await progress(one, session_id)
        assert [factor["label"] for factor in bar["factors"]] == ["3 pages viewed"], attempt


async def test_a_session_continued_on_another_instance_meanwhile_is_continued_as_stored(start):
    # An instance reads a browser's session beside taking its turn, from where it last left
    # the browser: here the other instance has since opened a new session for it.
    one = await start()
    other = await start(database=one.settings.database, clock=one.clock)
    await create_segment(one, "Two products", condition("page.url", "CONTAINS_ANY", "sku=", count=2))
    first = await one.collect([pageview("a", "A1")], cookie_id="tabs")
    one.clock.advance(minutes=40)
    second = await other.collect([pageview("b", "B1")], cookie_id="tabs")
    one.clock.advance(minutes=1)
    third = await one.collect([pageview("c", "C1")], cookie_id="tabs")

    assert second["sessionIds"] != first["sessionIds"]
    assert third["sessionIds"] == second["sessionIds"]
    (session_id,) = third["sessionIds"]
    stored = await one.data("query($id: ID!) { session(id: $id) { pageviewCount } }", {"id": session_id})
    assert stored["session"]["pageviewCount"] == 2
    assert await matched(one, session_id) == ["Two products"]


async def test_a_turn_left_by_a_vanished_instance_passes_on_when_it_lapses(start):
    service = await start(browser_turn_wait_seconds=0.2)
    now = service.clock.now()
    await identities.claim_cookies(
        service.services.db, cookie_ids=["orphaned"], now=now, holder="instance that died",
        hold_until=now + timedelta(seconds=service.settings.browser_turn_seconds),
    )
    body = {"deploymentId": "default", "cookieId": "orphaned", "events": [pageview("o1", "A1")]}

    refused = await service.http.post("/collect", json=body)
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert "another instance" in refused.json()["error"]

    service.clock.advance(service.settings.browser_turn_seconds + 1)
    answer = await service.http.post("/collect", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    # Given back at the end of the batch: the next one takes it at once.
    assert (await service.collect([pageview("o2", "A2")], cookie_id="orphaned"))["accepted"] == 1


async def test_a_batch_whose_turn_lapsed_midway_still_moves_its_browser_on(service):
    # The batch holds the turn past its lapse, and another instance takes it over after
    # the batch's items are pushed: the batch still leaves the browser's cursor where its
    # events took the session, and the turn with the instance that has it now.
    first = await service.collect([pageview("p1", "A1")], cookie_id="slow")
    service.clock.advance(minutes=25)
    hub = service.services.hub
    publish = hub.publish

    async def take_over_once_pushed(messages):
        await publish(messages)
        if hub.publish is take_over_once_pushed:
            hub.publish = publish
            service.clock.advance(service.settings.browser_turn_seconds + 1)
            now = service.clock.now()
            await identities.claim_cookies(
                service.services.db, cookie_ids=["slow"], now=now, holder="instance taking over",
                hold_until=now + timedelta(seconds=service.settings.browser_turn_seconds),
            )

    hub.publish = take_over_once_pushed
    second = await service.collect([pageview("p2", "A2")], cookie_id="slow")
    identity = await identities.find(service.services.db, kind="COOKIE", value="slow")
    assert identity is not None and identity["turn"]["holder"] == "instance taking over"
    await identities.give_back_turns(service.services.db, cookie_ids=["slow"], holder="instance taking over")

    service.clock.advance(minutes=25)  # 50 minutes after the first page, 25 after the second
    third = await service.collect([pageview("p3", "A3")], cookie_id="slow")
    assert first["sessionIds"] == second["sessionIds"] == third["sessionIds"]


async def test_a_resent_batch_pushes_only_its_new_items_once_under_their_stored_ids(service):
    # The copy's items are inserted all or none: meeting its first events stored, it takes
    # back what it inserted and goes the careful way. Counted as new, its five pages would
    # have matched the segment; counted right, three do not.
    await create_segment(service, "Four products", condition("page.url", "CONTAINS_ANY", "sku=", count=4))
    first = [pageview("r1", "A1"), pageview("r2", "A2")]
    session_id = (await service.collect(first, cookie_id="resender"))["sessionIds"][0]
    async with service.socket() as socket:
        op = await socket.subscribe(
            "subscription($id: ID!) { journeyMap(sessionId: $id) { id kind page { url } } }", {"id": session_id})
        await service.until_listening(topics.journey(session_id))
        answer = await service.collect([*first, pageview("r3", "B1")], cookie_id="resender")
        pushed = (await socket.next(op))["journeyMap"]
        await socket.nothing(op)

    assert [receipt["status"] for receipt in answer["events"]] == ["duplicate", "duplicate", "accepted"]
    assert pushed["page"]["url"] == "https://shop.example/product?sku=B1"
    journey = await service.data(
        "query($id: ID!) { session(id: $id) { eventCount journey { nodes { id kind page { url } } } } }",
        {"id": session_id})
    assert journey["session"]["eventCount"] == 3
    assert [node["kind"] for node in journey["session"]["journey"]["nodes"]] == ["PAGEVIEW"] * 3
    assert journey["session"]["journey"]["nodes"][-1] == pushed
    assert await matched(service, session_id) == []


async def test_a_resent_engagement_step_is_a_duplicate_not_an_illegal_one(service):
    # Sent again, the step would follow itself, which a stage refuses: the copy is found first.
    offer = {"id": "e1", "type": "engagement", "engagementId": "chat", "mediaType": "webchat", "state": "offered"}
    first = await service.collect([offer], cookie_id="engaged")
    again = await service.collect([offer, pageview("e2", "A1")], cookie_id="engaged")

    assert first["events"][0]["status"] == "accepted"
    assert [(receipt["status"], receipt["reason"]) for receipt in again["events"]] == [
        ("duplicate", None), ("accepted", None)]
