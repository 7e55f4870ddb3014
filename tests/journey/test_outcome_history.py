"""A customer's earlier sessions in the features of its next one: the summary kept on the
customer as events arrive, copied into a session when it opens, and carried by a merge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from journey.outcomes.features import session_state
from storage.database import connect
from tests.support.outcomes import TRACK, create_outcome, custom, page, track
from tests.support.service import Service

BOOTS, HAT = {"url": "https://shop.example/p/boots"}, {"url": "https://shop.example/p/hat"}
MERGE = "mutation($s: ID!, $t: ID!) { mergeCustomers(sourceId: $s, targetId: $t) { id } }"


async def stored_state(service: Service, session_id: str) -> dict:
    db = connect(service.settings.mongodb_uri, service.settings.database)
    try:
        return session_state(await db.sessions.find_one({"_id": session_id}))
    finally:
        await db.client.close()


async def customer_of(service: Service, session_id: str) -> str:
    data = await service.data("query($id: ID!) { session(id: $id) { customer { id } } }", {"id": session_id})
    return data["session"]["customer"]["id"]


async def shopping_visit(service: Service, cookie: str) -> str:
    return await track(
        service, cookie, page("1", "/p/boots"), {**custom("2", "add_to_cart"), "page": BOOTS},
        page("3", "/p/hat"), {**custom("4", "purchase"), "page": HAT},
    )


async def test_a_returning_customer_s_session_starts_from_its_history(service: Service):
    outcome = await create_outcome(service)
    first = await shopping_visit(service, "returning")
    service.clock.advance(hours=3)
    second = await track(service, "returning", page("5", "/p/boots"), page("6", "/p/socks"))

    assert second != first
    state = await stored_state(service, second)
    assert state["history:sessions"] == 1
    assert state["history:hours_since"] == pytest.approx(3.0, abs=0.01)
    assert (state["history:pageviews"], state["history:name:add_to_cart"]) == (2, 1)
    assert state[f"history:achieved:{outcome['id']}"] == 1
    # boots was seen and carted before; socks is new.
    assert (state["items_seen_before"], state["items_carted_before"]) == (1, 1)
    # The first session keeps what it had: no history, nothing seen before.
    assert "history:sessions" not in await stored_state(service, first)


async def test_a_first_visit_has_no_history(service: Service):
    await create_outcome(service)
    state = await stored_state(service, await track(service, "new", page("1", "/p/boots")))
    assert not [key for key in state if key.startswith("history:")]
    assert "items_seen_before" not in state


async def test_a_merged_customer_s_history_follows_the_merge(service: Service):
    await create_outcome(service)
    source = await customer_of(service, await shopping_visit(service, "phone"))
    target = await customer_of(service, await track(service, "laptop", page("1", "/p/socks")))
    await service.data(MERGE, {"s": source, "t": target})
    service.clock.advance(hours=1)

    state = await stored_state(service, await track(service, "laptop", page("9", "/p/boots")))

    assert state["history:sessions"] == 2  # the phone's visit and the laptop's
    assert state["history:name:add_to_cart"] == 1
    assert state["items_carted_before"] == 1


async def test_a_visit_opened_in_the_batch_of_an_earlier_one_starts_from_it(service: Service):
    # An import, or a tracker that queued two visits: both arrive in one batch.
    await create_outcome(service)
    now = service.clock.now()
    earlier, later = (now - timedelta(minutes=50)).isoformat(), (now - timedelta(minutes=5)).isoformat()
    data = await service.data(TRACK, {"events": [
        {**page("1", "/p/boots"), "cookieId": "queued", "occurredAt": earlier},
        {**custom("2", "add_to_cart"), "page": BOOTS, "cookieId": "queued", "occurredAt": earlier},
        {**page("3", "/p/boots"), "cookieId": "queued", "occurredAt": later},
    ]})
    first, second = data["trackEvents"]["sessionIds"]

    state = await stored_state(service, second)

    assert state["history:sessions"] == 1
    assert state["history:hours_since"] == pytest.approx(0.75, abs=0.01)
    assert (state["history:pageviews"], state["history:name:add_to_cart"]) == (1, 1)
    assert (state["items_seen_before"], state["items_carted_before"]) == (1, 1)
    assert "history:sessions" not in await stored_state(service, first)
