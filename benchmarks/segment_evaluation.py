"""Cost of evaluating 100 active rules per incoming event.

Builds 100 rules mixing context and event conditions (with counts, over every
operator), replays 20,000 realistic events interleaved across 2,000 sessions,
and prints the mean time for one ``RuleSet.advance`` call covering all rules.

Run: .venv/bin/python benchmarks/segment_evaluation.py
"""

import random
import sys
import time
from pathlib import Path

# The editable install maps only the packaged top-level modules; make the
# project root importable when this file is run as a script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules import Rule, RuleSet, State, parse_conditions

RULES = 100
EVENTS = 20_000
SESSIONS = 2_000
SEED = 20_240_601

CATEGORIES = ["shoes", "jackets", "bags", "watches", "outdoor", "kids", "sale"]
SEARCHES = [
    "running shoes",
    "rain jacket",
    "leather bag",
    "gift for him",
    "sale",
    "waterproof boots",
]
COUNTRIES = ["US", "FR", "DE", "GB", "ES", "IT", "NL", "CA"]
BROWSERS = [
    ("Chrome", "124.0.6367.91"),
    ("Safari", "17.4"),
    ("Firefox", "125.0"),
    ("Edge", "124.0"),
    ("Samsung Internet", "24"),
]
DEVICES = [
    ("desktop", "Windows"),
    ("desktop", "Mac OS X"),
    ("mobile", "iOS"),
    ("mobile", "Android"),
    ("tablet", "iPadOS"),
]
REFERRERS = [
    (None, None, None),
    ("search", "www.google.com", "https://www.google.com/"),
    ("social", "l.instagram.com", "https://l.instagram.com/"),
    ("email", "mail.example.net", "https://mail.example.net/"),
    ("unknown", "partner.example.org", "https://partner.example.org/deals"),
]
CAMPAIGNS = [
    None,
    {"source": "newsletter", "medium": "email", "name": "spring_sale"},
    {"source": "google", "medium": "cpc", "name": "brand", "term": "running shoes"},
]


def random_context(rng: random.Random) -> dict:
    family, version = rng.choice(BROWSERS)
    category, os_family = rng.choice(DEVICES)
    medium, hostname, url = rng.choice(REFERRERS)
    country = rng.choice(COUNTRIES)
    return {
        "browser": {
            "family": family,
            "version": version,
            "lang": rng.choice(["en-US", "fr-FR", "de-DE"]),
        },
        "device": {"category": category, "osFamily": os_family, "osVersion": "17"},
        "geolocation": {
            "country": country,
            "countryName": country,
            "region": "R1",
            "locality": "Springfield",
        },
        "referrer": {"url": url, "hostname": hostname, "medium": medium},
        "campaign": rng.choice(CAMPAIGNS),
        "userAgent": "Mozilla/5.0",
        "ip": "203.0.113.7",
        "authenticated": rng.random() < 0.3,
    }


def random_event(rng: random.Random) -> dict:
    roll = rng.random()
    category = rng.choice(CATEGORIES)
    if roll < 0.55:
        if rng.random() < 0.6:
            url, title = (
                f"https://shop.example.com/products/{category}-{rng.randrange(500)}",
                f"{category} item",
            )
        else:
            url, title = f"https://shop.example.com/c/{category}", category.title()
        return {
            "kind": "PAGEVIEW",
            "name": "pageview",
            "page": {"url": url, "title": title},
            "query": None,
            "attributes": {},
        }
    if roll < 0.70:
        return {
            "kind": "SEARCH",
            "name": "search",
            "page": {"url": "https://shop.example.com/search", "title": "Search"},
            "query": rng.choice(SEARCHES),
            "attributes": {},
        }
    name = rng.choice(
        [
            "add_to_cart",
            "add_to_cart",
            "begin_checkout",
            "purchase",
            "newsletter_signup",
        ]
    )
    attributes = {
        "category": category,
        "sku": f"SKU-{rng.randrange(10_000)}",
        "price": round(rng.uniform(5, 400), 2),
        "quantity": rng.randint(1, 3),
    }
    if name == "purchase":
        attributes["revenue"] = round(rng.uniform(20, 900), 2)
        attributes["currency"] = "EUR"
    return {
        "kind": "CUSTOM",
        "name": name,
        "page": None,
        "query": None,
        "attributes": attributes,
    }


def random_context_condition(rng: random.Random) -> dict:
    field, operator, values = rng.choice(
        [
            ("device.category", "EQUAL", ["mobile"]),
            ("device.category", "NOT_EQUAL", ["desktop"]),
            ("device.osFamily", "EQUAL", ["iOS", "Android"]),
            ("geolocation.country", "EQUAL", rng.sample(COUNTRIES, 3)),
            ("geolocation.country", "NOT_EQUAL", ["US"]),
            ("browser.family", "STARTS_WITH", ["chrome", "edge"]),
            ("browser.lang", "STARTS_WITH", ["fr"]),
            ("referrer.medium", "EQUAL", ["search", "social"]),
            ("referrer.hostname", "ENDS_WITH", ["google.com"]),
            ("referrer.url", "NOT_CONTAINS_ANY", ["partner"]),
            ("campaign.name", "CONTAINS_ANY", ["sale", "brand"]),
            ("authenticated", "EQUAL", ["true"]),
        ]
    )
    return {"field": field, "operator": operator, "values": values}


def random_event_condition(rng: random.Random) -> dict:
    category = rng.choice(CATEGORIES)
    field, operator, values = rng.choice(
        [
            ("eventName", "EQUAL", ["add_to_cart"]),
            ("eventName", "EQUAL", ["purchase"]),
            ("eventName", "EQUAL", ["begin_checkout"]),
            ("eventName", "NOT_EQUAL", ["pageview", "search"]),
            ("page.url", "CONTAINS_ANY", [f"/products/{category}"]),
            ("page.url", "CONTAINS_ALL", ["/products/", category]),
            ("page.url", "STARTS_WITH", ["https://shop.example.com/c/"]),
            ("page.title", "CONTAINS_ANY", [category, "item"]),
            (
                "searchQuery",
                "CONTAINS_ANY",
                rng.sample(["shoes", "jacket", "boots", "sale", "gift"], 2),
            ),
            ("searchQuery", "ENDS_WITH", ["shoes"]),
            ("attributes.category", "EQUAL", [category]),
            ("attributes.price", "GREATER_THAN", [str(rng.choice([50, 100, 200]))]),
            ("attributes.price", "LESS_THAN_OR_EQUAL", ["30"]),
            ("attributes.revenue", "GREATER_THAN_OR_EQUAL", ["150"]),
            ("attributes.quantity", "LESS_THAN", ["2"]),
            ("attributes.currency", "NOT_CONTAINS_ANY", ["usd"]),
        ]
    )
    return {
        "field": field,
        "operator": operator,
        "values": values,
        "count": rng.choice([1, 1, 2, 3, 5]),
    }


def build_rules(rng: random.Random) -> list[Rule]:
    rules = []
    for number in range(RULES):
        shape = number % 4  # context only, events only, and two mixes
        contexts = [random_context_condition(rng) for _ in range((1, 0, 1, 2)[shape])]
        events = [random_event_condition(rng) for _ in range((0, 2, 1, 3)[shape])]
        rules.append(Rule(f"segment-{number}", parse_conditions(contexts + events)))
    return rules


def main() -> None:
    rng = random.Random(SEED)
    rule_set = RuleSet(build_rules(rng))
    contexts = [random_context(rng) for _ in range(SESSIONS)]
    arrivals = [(rng.randrange(SESSIONS), random_event(rng)) for _ in range(EVENTS)]
    states: list[State] = [{} for _ in range(SESSIONS)]

    matches = 0
    started = time.perf_counter()
    for session, event in arrivals:
        states[session], held = rule_set.advance(
            states[session], contexts[session], event
        )
        matches += len(held)
    elapsed = time.perf_counter() - started

    largest_state = max(len(state) for state in states)
    print(f"{RULES} rules, {EVENTS:,} events over {SESSIONS:,} sessions")
    print(f"{elapsed / EVENTS * 1e6:.1f} µs per event (all {RULES} rules)")
    print(f"{matches / EVENTS:.1f} rules holding per event on average")
    print(f"largest session state: {largest_state} entries")


if __name__ == "__main__":
    main()
