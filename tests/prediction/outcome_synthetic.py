"""Synthetic shop journeys in which adding to cart is what leads to a purchase."""

import random
from datetime import UTC, datetime, timedelta

START = datetime(2025, 3, 1, 12, tzinfo=UTC)


def pageview(url: str, at: datetime) -> dict:
    return {"kind": "PAGEVIEW", "name": "pageview", "page": {"url": url, "title": url},
            "query": None, "attributes": {}, "occurredAt": at}


def search(query: str, at: datetime) -> dict:
    return {"kind": "SEARCH", "name": "search", "page": None, "query": query,
            "attributes": {}, "occurredAt": at}


def custom(name: str, at: datetime, kind: str = "CUSTOM") -> dict:
    return {"kind": kind, "name": name, "page": None, "query": None,
            "attributes": {}, "occurredAt": at}


def shop_journeys(count: int, seed: int) -> list[tuple]:
    """Sessions where a cart add makes a purchase likely; device and referrer are noise."""
    rng = random.Random(seed)
    journeys = []
    for _ in range(count):
        at = START
        adds_to_cart = rng.random() < 0.2
        achieved = rng.random() < (0.45 if adds_to_cart else 0.02)
        events = []
        for position in range(rng.randint(1, 8)):
            events.append(pageview(f"https://shop.example/p/{rng.randint(1, 30)}", at))
            at += timedelta(seconds=rng.randint(5, 120))
            if adds_to_cart and position == 0:
                events.append(custom("add_to_cart", at))
                at += timedelta(seconds=rng.randint(5, 60))
        if achieved:
            events.append(custom("purchase", at))
        context = {
            "device": {"category": rng.choice(["mobile", "desktop"])},
            "referrer": {"medium": rng.choice(["organic", "direct"])},
        }
        journeys.append((context, [], events, achieved))
    return journeys
