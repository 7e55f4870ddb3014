"""Example segments and a purchase outcome that fit the demo shop, so a fresh install shows
segment chips and outcome bars as soon as someone browses /demo/.

Installing is idempotent: a segment or outcome whose name already exists is left as it is
(edited, deactivated or not), so running it again never duplicates or overwrites anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from journey.outcomes import definitions as outcome_definitions
from journey.segments import definitions as segment_definitions
from storage import outcomes as stored_outcomes
from storage import segments as stored_segments
from storage.database import Database

PRODUCT_PAGE = "/demo/product.html?sku="


def _condition(field_name: str, operator: str, *values: str, count: int | None = None) -> dict:
    return {"field": field_name, "operator": operator, "values": list(values), "count": count}


def _segment(name: str, description: str, color: str, *conditions: dict, scope: str = "SESSION") -> dict:
    return segment_definitions.definition(
        name=name, description=description, color=color, scope=scope, display_to_agent=True,
        conditions=list(conditions),
    )


SEGMENTS = [
    _segment("Mobile visitor", "Browsing on a phone or tablet.", "#1E88E5",
             _condition("device.category", "EQUAL", "mobile", "tablet")),
    _segment("Came from search", "Arrived from a search engine's results.", "#43A047",
             _condition("referrer.medium", "EQUAL", "search")),
    _segment("Campaign visitor", "Arrived through an ad or an email campaign (utm_medium cpc, email…).",
             "#8E24AA", _condition("referrer.medium", "EQUAL", "paid", "email")),
    _segment("Signed-in customer", "Signed in during a visit; every later visit starts with it, so a "
             "returning customer is recognised at once.", "#00897B",
             _condition("authenticated", "EQUAL", "true"), scope="CUSTOMER"),
    _segment("Cart with items", "Added something to the cart during this visit.", "#FB8C00",
             _condition("eventName", "EQUAL", "add_to_cart")),
    _segment("Viewed 3+ products", "Opened three product pages or more during this visit.", "#6D4C41",
             _condition("page.url", "CONTAINS_ANY", PRODUCT_PAGE, count=3)),
    _segment("High intent", "Looked at three products or more and put one in the cart: worth a chat.",
             "#E53935", _condition("page.url", "CONTAINS_ANY", PRODUCT_PAGE, count=3),
             _condition("eventName", "EQUAL", "add_to_cart")),
]

OUTCOMES = [
    outcome_definitions.definition(
        name="Purchase",
        description="The visitor bought something (the demo shop's Buy now button).",
        positive=True,
        conditions=[_condition("eventName", "EQUAL", "purchase")],
    ),
]


@dataclass
class Installed:
    """What installing the demo did, by name."""

    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


async def install(db: Database, *, now: datetime) -> Installed:
    """Add the demo segments and outcome that are not there yet."""
    installed = Installed()
    segment_names = {doc["name"] for doc in await stored_segments.SEGMENTS.listing(db)}
    for definition in SEGMENTS:
        if definition["name"] in segment_names:
            installed.kept.append(definition["name"])
        else:
            await stored_segments.SEGMENTS.create(db, definition=definition, now=now)
            installed.added.append(definition["name"])
    outcome_names = {doc["name"] for doc in await stored_outcomes.OUTCOMES.listing(db)}
    for definition in OUTCOMES:
        if definition["name"] in outcome_names:
            installed.kept.append(definition["name"])
        else:
            await stored_outcomes.OUTCOMES.create(db, definition=definition, now=now)
            installed.added.append(definition["name"])
    return installed
