"""Cost of the outcome stage of the ingest pipeline per event and per outcome.

What ingest runs: each event folded into the session's stored features and its progress
toward every outcome's conditions, then every active outcome scored by its trained model
(probability, quantile, the factors that moved it) for the live push. Events arrive one
per batch, as a tracker sending each event at once would send them, so every event is
scored. The changes each batch writes are folded back into the "stored" session, as the
database would. No database: its round trips are counted by tests/journey/test_round_trips.py.

Run: .venv/bin/python benchmarks/outcome_scoring.py
"""

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from bson import ObjectId

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fixed_catalog import NeverRefreshed
from journey.outcomes.catalog import Catalog, OutcomeCatalog
from journey.outcomes.definitions import Outcome, definition
from journey.outcomes.features import FEATURES, FeatureFold
from journey.outcomes.stage import OutcomeStage
from journey.work import SessionWork
from prediction import SessionRows, TreeModel, select_model
from prediction.categories import session_counts
from prediction.selection import KINDS
from prediction.state import CATEGORY_CODE
from storage.documents import EventDocument, SessionDocument
from storage.sessions import SessionDelta

SEED = 7
OUTCOMES = 10
SESSIONS = 2000
EVENTS = 20_000
START = datetime(2026, 1, 1, tzinfo=UTC)
CONTEXTS = [{"device": {"category": device}, "referrer": {"medium": medium}}
            for device in ("desktop", "mobile") for medium in ("search", "direct", "paid", "social")]


class FixedCatalog(NeverRefreshed[Catalog], OutcomeCatalog):
    """The catalog as the stage reads it between refreshes, never refreshed: no database."""


def random_event(rng: random.Random) -> dict:
    roll = rng.random()
    if roll < 0.7:
        # A product page names its category: scoring looks up how often it sells.
        return {"kind": "PAGEVIEW", "name": "pageview", "query": None,
                "attributes": {"category": f"c{rng.randrange(40)}"},
                "page": {"url": f"https://shop.example/p/{rng.randrange(200)}", "title": "Product"}}
    if roll < 0.8:
        return {"kind": "SEARCH", "name": "search", "query": rng.choice(["boots", "red shoes", "hat"]),
                "attributes": {}, "page": None}
    name = rng.choice(["add_to_cart", "favorite", "begin_checkout", "newsletter"])
    return {"kind": "CUSTOM", "name": name, "query": None, "page": None,
            "attributes": {"price": rng.randrange(5, 300)}}


def item(session: int, number: int, at: datetime, event: dict) -> dict:
    client_id = f"e{number}"
    return {"_id": ObjectId(), "dedupeKey": f"default/c{session}/{client_id}", "clientEventId": client_id,
            "type": event["kind"].lower(), "occurredAt": at, "icon": "custom", "referrer": None, **event}


def trained_model(rng: random.Random, kind: str):
    """A model of `kind` fitted on synthetic sessions in which a cart add leads to checkout."""
    sessions = []
    for number in range(3000):
        fold = FeatureFold({}, started_at=START, context=rng.choice(CONTEXTS), segment_ids=())
        carts = rng.random() < 0.3
        achieved = rng.random() < (0.4 if carts else 0.03)
        rows = []
        codes = []
        for position in range(rng.randint(1, 12)):
            event = random_event(rng)
            if carts and position == 1:
                event = {**event, "kind": "CUSTOM", "name": "add_to_cart", "page": None}
            fold.add({**event, "occurredAt": START + timedelta(seconds=30 * position)})
            rows.append((fold.vector(), achieved, 0.0))
            codes.append(fold.state.get(CATEGORY_CODE))
        categories = session_counts(codes, codes[-1] if achieved else None)
        sessions.append(SessionRows(float(number), rows, categories))
    return select_model(sessions, trained_at=START, min_rows=200, min_positives=20, kinds=(kind,)).model


def build_catalog(rng: random.Random, count: int, kind: str) -> Catalog:
    model = trained_model(rng, kind).to_document()
    outcomes, models = [], []
    for number in range(count):
        fields = definition(
            name=f"Outcome {number}", description=None, positive=True,
            conditions=[{"field": "eventName", "operator": "EQUAL", "values": ["begin_checkout"]},
                        {"field": "page.url", "operator": "CONTAINS_ANY", "values": [f"/p/{number}"],
                         "count": 2}],
        )
        doc = {**fields, "_id": str(ObjectId()), "active": True, "revision": 1,
               "createdAt": START, "updatedAt": START}
        outcomes.append(Outcome.from_doc(doc))
        models.append({"_id": doc["_id"], "revision": 1, "model": model})
    return Catalog(1, outcomes, models)


def store(stored: dict, work: SessionWork) -> dict:
    """What the session update does to the stored session."""
    stored = {**stored, FEATURES: dict(stored.get(FEATURES) or {}),
              "outcomeState": dict(stored.get("outcomeState") or {})}
    delta = work.delta
    for changes, combine in (
        (delta.increments, lambda before, value: (before or 0) + value),
        (delta.maxes, lambda before, value: value if before is None else max(before, value)),
        (delta.bits_or, lambda before, value: (before or 0) | value),
        (delta.sets, lambda before, value: value),
    ):
        for path, value in changes.items():
            field, key = path.split(".", 1)
            stored[field][key] = combine(stored[field].get(key), value)
    stored["outcomes"] = [*stored.get("outcomes", []), *delta.pushes.get("outcomes", [])]
    return stored


def run(catalog: Catalog, arrivals: list[tuple[int, dict]]) -> tuple[float, float]:
    """Seconds spent in the stage for every arrival, each its own batch: (wall clock,
    this process's CPU time, which other work on a shared machine does not inflate)."""
    stage = OutcomeStage(catalog=FixedCatalog(catalog))
    stored: list[dict] = [{"startedAt": START, "context": CONTEXTS[n % len(CONTEXTS)]} for n in range(SESSIONS)]
    elapsed = cpu = 0.0
    for number, (session, event) in enumerate(arrivals):
        at = START + timedelta(seconds=number)
        delta = SessionDelta(session_id=f"s{session}", customer_id=f"c{session}", cookie_id=f"c{session}",
                             deployment_id="default", seq=1, started_at=at, last_activity_at=at)
        # Partial documents: the stage reads only these fields.
        work = SessionWork(delta=delta, stored=cast(SessionDocument, stored[session]))
        work.add(cast(EventDocument, item(session, number, at, event)))
        started, started_cpu = time.perf_counter(), time.process_time()
        stage.process(work)
        elapsed += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        stored[session] = store(stored[session], work)
    return elapsed, cpu


def main() -> None:
    rng = random.Random(SEED)
    arrivals = [(rng.randrange(SESSIONS), random_event(rng)) for _ in range(EVENTS)]
    features_only, features_cpu = run(Catalog(1, ()), arrivals)
    print(f"{EVENTS:,} events, one per batch, over {SESSIONS:,} sessions; {OUTCOMES} active outcomes "
          "(wall clock, and CPU time of this process in brackets)")
    print(f"{features_only / EVENTS * 1e6:.1f} ({features_cpu / EVENTS * 1e6:.1f}) µs per event keeping the "
          "prediction features (whatever the outcomes)")
    for kind in KINDS:
        catalog = build_catalog(rng, OUTCOMES, kind)
        with_outcomes, with_cpu = run(catalog, arrivals)
        per_outcome = (with_outcomes - features_only) / EVENTS / OUTCOMES * 1e6
        per_outcome_cpu = (with_cpu - features_cpu) / EVENTS / OUTCOMES * 1e6
        model = next(iter(catalog.models.values()))
        print(f"{kind} ({len(model.features)} features, {len(model.categories.values)} categories"
              + (f", {len(model.trees)} trees" if isinstance(model, TreeModel) else "") + "): "
              f"{per_outcome:.1f} ({per_outcome_cpu:.1f}) µs per event per outcome (conditions, probability, "
              f"quantile, factors, push payload); {with_outcomes / EVENTS * 1e6:.1f} ({with_cpu / EVENTS * 1e6:.1f}) "
              f"µs per event in the stage with {OUTCOMES} outcomes")


if __name__ == "__main__":
    main()
