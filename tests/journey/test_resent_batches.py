"""A browser resends what a page unloaded before seeing answered; the copy may race the first
send. Whichever stores first, the visit is counted once: counters, segments and outcome progress."""

from __future__ import annotations

import asyncio

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
    # Each instance holds a browser's turn only within itself: the store decides.
    one = await start()
    other = await start(database=one.settings.database, clock=one.clock)
    await create_outcome(one)
    await create_segment(one, "Four products", condition("page.url", "CONTAINS_ANY", "sku=", count=4))
    for attempt in range(5):
        cookie = f"shopper-{attempt}"
        first = [pageview(f"a{attempt}", "A1"), pageview(f"b{attempt}", "A2")]
        resent = [*first, pageview(f"c{attempt}", "B1")]
        answers = await asyncio.gather(
            one.collect(first, cookie_id=cookie), other.collect(resent, cookie_id=cookie),
            one.collect(resent, cookie_id=cookie), other.collect(first, cookie_id=cookie),
        )

        # Every copy is answered as stored; an instance may call its copy accepted.
        assert {receipt["status"] for answer in answers for receipt in answer["events"]} <= {"accepted", "duplicate"}
        (session_id,) = {sid for answer in answers for sid in answer["sessionIds"]}
        stored = await one.data("query($id: ID!) { session(id: $id) { pageviewCount eventCount } }", {"id": session_id})
        assert stored["session"] == {"pageviewCount": 3, "eventCount": 3}
        assert await matched(one, session_id) == []  # three pages, not six
        (bar,) = await progress(one, session_id)
        assert [factor["label"] for factor in bar["factors"]] == ["3 pages viewed"]
