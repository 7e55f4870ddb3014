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
