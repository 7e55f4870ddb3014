"""Turning a tracked event into the journey-map items it stands for."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from bson import ObjectId

from enrichment import strip_query_params
from journey.event_types import EventTypes
from journey.icons import plain_icon
from journey.incoming import TrackedEvent, search_in_url
from storage.documents import EventDocument


def item(event: TrackedEvent, *, event_types: EventTypes, deployment_id: str, now: datetime) -> EventDocument:
    event_type = event_types.by_name[event.type]
    document: EventDocument = {
        "_id": ObjectId(),
        "dedupeKey": f"{deployment_id}/{event.cookie_id}/{event.client_id}",
        "clientEventId": event.client_id,
        "deploymentId": deployment_id,
        "cookieId": event.cookie_id,
        "type": event.type,
        "kind": event_type.kind,
        "name": event.name or event.type,
        "occurredAt": event.occurred_at,
        "receivedAt": now,
        "page": event.page,
        "referrer": event.referrer,
        "query": event.query,
        "attributes": event.attributes,
    }
    if event_type.fill is not None:
        event_type.fill(event, document)
    document["icon"] = event_types.icons.icon_for(document)
    return document


def derived(parent: Mapping[str, Any], suffix: str, **fields: Any) -> EventDocument:
    """An item the system adds next to a tracked one (a search found in a URL, a matched
    segment); its dedupe key follows the parent's, so a repeat adds nothing."""
    # The parent's where and when with the caller's own fields make a whole item.
    document = cast(EventDocument, {
        **parent,
        "_id": ObjectId(),
        "dedupeKey": f"{parent['dedupeKey']}#{suffix}",
        "referrer": None,
        "attributes": {},
        **fields,
    })
    document["icon"] = plain_icon(document["kind"])
    return document


def without_params(document: EventDocument, excluded: tuple[str, ...]) -> None:
    """Drop the excluded query parameters from the item's page URL and referrer, before
    anything reads them: they are never stored, searched for or matched by a segment."""
    if not excluded:
        return
    page = document.get("page")
    if page:
        document["page"] = {**page, "url": strip_query_params(page["url"], excluded)}
    referrer = document.get("referrer")
    if referrer:
        document["referrer"] = strip_query_params(referrer, excluded)


def journey_items(
    event: TrackedEvent, *, event_types: EventTypes, deployment_id: str, now: datetime,
    search_params: tuple[str, ...], excluded_params: tuple[str, ...] = (),
) -> list[EventDocument]:
    first = item(event, event_types=event_types, deployment_id=deployment_id, now=now)
    without_params(first, excluded_params)
    items = [first]
    if event.type == "pageview" and first["page"]:
        query = search_in_url(first["page"]["url"], search_params)
        if query:
            items.append(derived(first, "search", type="search", kind="SEARCH", name="search", query=query))
    return items
