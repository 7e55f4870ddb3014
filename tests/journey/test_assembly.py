"""The event types as journey.assembly lists them: each is read, becomes an item and draws
an icon the legend explains; two services built side by side do not share them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput
from journey.assembly import event_types
from journey.engagements.events import MEDIA_TYPES, STATES
from journey.event_types import EventType, EventTypes
from journey.icons import CUSTOM_ICONS
from journey.incoming import Limits, parse_event
from journey.items import journey_items

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
LIMITS = Limits(now=NOW, max_age=timedelta(hours=1), max_skew=timedelta(minutes=2), search_params=("q",))
PAGE = {"url": "https://shop.example/p/1?q=shoes", "title": "Shoes"}


def items_of(types: EventTypes, raw: dict) -> list[dict]:
    event = parse_event(raw, "events[0]", parsers=types.parsers, cookie_id="c-1", limits=LIMITS)
    return journey_items(event, event_types=types, deployment_id="default", now=NOW, search_params=("q",))


def one_of_each() -> list[dict]:
    events = [
        {"type": "pageview", "page": PAGE},
        {"type": "search", "query": "red shoes"},
        {"type": "custom", "name": "add_to_cart"},
        *({"type": "custom", "name": "liked", "icon": icon} for icon in CUSTOM_ICONS),
        {"type": "identify", "traits": {"email": "ann@shop.example"}},
        {"type": "logout"},
        {"type": "custom", "name": "logout"},
        *(
            {"type": "engagement", "engagementId": "e-1", "mediaType": media, "state": state}
            for media in MEDIA_TYPES for state in STATES
        ),
        {"type": "form_submitted", "formName": "signup", "fields": {"plan": "gold"}},
        {"type": "form_abandoned", "formName": "signup"},
    ]
    return [{"id": f"e-{n}", **event} for n, event in enumerate(events)]


def test_every_type_a_client_may_send_is_read_and_draws_an_icon_the_legend_explains():
    types = event_types(phone_default_region="US")
    sent = one_of_each()
    assert {event["type"] for event in sent} == set(types.by_name)
    for raw in sent:
        for item in items_of(types, raw):
            assert item["icon"] in types.icons.legend, (raw, item["icon"])


def test_icons_follow_the_item_detail_and_name():
    types = event_types(phone_default_region="US")
    icon = {raw["id"]: items_of(types, raw)[0]["icon"] for raw in one_of_each()}
    sent = {raw["id"]: raw for raw in one_of_each()}
    by_kind = {
        "pageview": "pageview", "search": "search", "identify": "identified", "logout": "logout",
        "form_submitted": "form-submitted", "form_abandoned": "form-abandoned",
    }
    for event_id, raw in sent.items():
        if raw["type"] == "engagement":
            assert icon[event_id] == f"{raw['mediaType']}-{raw['state']}"
        elif raw["type"] == "custom":
            # A custom event's own icon first; then the icon of its name, when it has one.
            assert icon[event_id] == (raw.get("icon") or ("logout" if raw["name"] == "logout" else "custom"))
        else:
            assert icon[event_id] == by_kind[raw["type"]]


def test_an_unknown_type_is_refused_naming_every_type_in_the_listed_order():
    types = event_types(phone_default_region="US")
    with pytest.raises(InvalidInput) as refused:
        items_of(types, {"id": "e-1", "type": "purchase"})
    assert str(refused.value) == (
        "events[0].type: must be one of pageview, search, custom, identify, logout, engagement, "
        "form_submitted, form_abandoned"
    )


def test_services_built_with_different_phone_regions_keep_their_own():
    american = event_types(phone_default_region="US")
    british = event_types(phone_default_region="GB")
    identify = {"id": "e-1", "type": "identify", "traits": {"phone": "020 7946 0018"}}

    assert items_of(british, identify)[0]["identify"]["identities"] == {"PHONE": "+442079460018"}
    with pytest.raises(InvalidInput):
        items_of(american, identify)


def test_a_type_listed_twice_is_a_mistake_of_the_assembly():
    twice = EventType("pageview", "PAGEVIEW", lambda raw, path: {})
    with pytest.raises(ValueError, match="listed twice"):
        EventTypes.of([twice, twice], legend={})
