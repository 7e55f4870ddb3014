"""Defining outcomes, reading progress and sending shop journeys through the real API, for tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.support.segments import condition
from tests.support.service import ADMIN_TOKEN, Service

OUTCOME_FIELDS = "id name description positive active conditions { field operator values count }"
CREATE = f"mutation($input: OutcomeInput!) {{ createOutcome(input: $input) {{ {OUTCOME_FIELDS} }} }}"
PROGRESS_FIELDS = ("outcome { name } sessionId probability quantile achieved achievedAt source "
                   "factors { feature label contribution }")
PROGRESS = f"query($id: ID!) {{ session(id: $id) {{ outcomes {{ {PROGRESS_FIELDS} }} }} }}"
TRACK = """mutation($events: [TrackEventInput!]!) {
    trackEvents(deploymentId: "default", events: $events) { sessionIds rejected events { reason } } }"""
TRAIN = "mutation { trainOutcomeModels { outcome { name } trained rows positives reason } }"

PURCHASE = condition("eventName", "EQUAL", "purchase")


def outcome_input(name: str = "Purchase", *conditions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "conditions": list(conditions) or [PURCHASE], **fields}


async def create_outcome(
    service: Service, name: str = "Purchase", *conditions: dict[str, Any], token: str = ADMIN_TOKEN,
    **fields: Any,
) -> dict[str, Any]:
    data = await service.data(CREATE, {"input": outcome_input(name, *conditions, **fields)}, token=token)
    return data["createOutcome"]


async def progress(service: Service, session_id: str, token: str = ADMIN_TOKEN) -> list[dict[str, Any]]:
    """A session's progress toward each outcome, as Session.outcomes gives it."""
    data = await service.data(PROGRESS, {"id": session_id}, token=token)
    return data["session"]["outcomes"]


def page(event_id: str, path: str = "/", **extra: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "PAGEVIEW", "page": {"url": f"https://shop.example{path}"}, **extra}


def custom(event_id: str, name: str, **attributes: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "CUSTOM", "name": name, "attributes": attributes}


async def track(service: Service, cookie: str, *events: dict[str, Any]) -> str:
    """Send one browser's events as a server would; the session they went to."""
    data = await service.data(TRACK, {"events": [{**event, "cookieId": cookie} for event in events]})
    assert data["trackEvents"]["rejected"] == 0, data["trackEvents"]["events"]
    return data["trackEvents"]["sessionIds"][0]


def shop_journeys(start: datetime, sessions: int = 60) -> list[dict[str, Any]]:
    """trackEvents inputs: one browser per session, four page views each; every third
    adds to the cart before its third page and buys after its last."""
    events = []
    for number in range(sessions):
        cookie, buys = f"shopper-{number}", number % 3 == 0
        at = start + timedelta(seconds=number)
        steps = [page("p1", f"/p/{number % 7}"), page("p2", "/p/2")]
        steps += [custom("cart", "add_to_cart")] if buys else [page("p2b", "/help")]
        steps += [page("p3", "/p/3"), page("p4", "/checkout" if buys else "/p/4")]
        steps += [custom("buy", "purchase")] if buys else []
        for position, step in enumerate(steps):
            moment = (at + timedelta(seconds=10 * position)).isoformat()
            events.append({**step, "cookieId": cookie, "occurredAt": moment})
    return events


async def ended_shop_history(service: Service) -> None:
    """Sixty ended shop sessions: enough history to train a purchase model."""
    events = shop_journeys(service.clock.now() - timedelta(minutes=50))
    for start in range(0, len(events), 200):
        data = await service.data(TRACK, {"events": events[start:start + 200]})
        assert data["trackEvents"]["rejected"] == 0, data["trackEvents"]["events"]
    service.clock.advance(minutes=40)  # every session idle past the timeout: ended
