"""How well the purchase prediction separates sessions that go on to buy, on real shoppers'
journeys (Taobao UserBehavior sample), measured through the product itself.

The sample is replayed through the historical import (the real ingest pipeline, into the
embedded store): page views of items, `add_to_cart` and `favorite` custom events, and
`purchase` events, which achieve the outcome "purchase". The earlier users (by user id)
are imported first and the model is trained on them as `journey outcomes train` does;
then the later users are imported, and the features the pipeline stored after each of
their events before any purchase are read back and scored by the stored model. ROC AUC
compares those scores with whether the session went on to purchase, beside the rule
"has added to cart" scored on the same stored prefixes.

The embedded store's inserts slow down as a collection grows (each checks every stored
document), so the full replay takes long: by default a subset of users is replayed;
`--users N` chooses how many, `--all` replays every one.

Run: .venv/bin/python benchmarks/outcome_quality.py [--users N | --all]
"""

import argparse
import asyncio
import csv
import json
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # a script's own folder, not the repository, is on sys.path

from tqdm import tqdm  # noqa: E402

from app.clock import SystemClock  # noqa: E402
from app.settings import Settings  # noqa: E402
from journey import event_types  # noqa: E402
from journey.history import read_rows  # noqa: E402
from journey.importing import SilentHub, import_rows  # noqa: E402
from journey.outcome_definitions import Outcome, definition  # noqa: E402
from journey.outcome_features import FeatureFold  # noqa: E402
from journey.outcome_training import rows_for  # noqa: E402
from journey.pipeline import build_pipeline  # noqa: E402
from prediction import TrainedModel, model_from_document, roc_auc  # noqa: E402
from prediction.features import count_of  # noqa: E402
from storage import deployments  # noqa: E402
from storage import outcomes as stored_outcomes  # noqa: E402
from storage.database import connect, ensure_indexes  # noqa: E402
from storage.embedded import EmbeddedStore  # noqa: E402
from storage.journeys import tracked_items  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "taobao-userbehavior-sample.csv"
DEFAULT_USERS = 120
BUSY_STORE_WAIT_MS = 30 * 60 * 1000
TRAIN_SHARE = 0.7
# Collection window 2017-11-25..2017-12-03 in China Standard Time (UTC+8).
WINDOW_START = int(datetime(2017, 11, 24, 16, tzinfo=UTC).timestamp())
WINDOW_END = int(datetime(2017, 12, 3, 16, tzinfo=UTC).timestamp())
CART = "name:add_to_cart"
EVENT_OF_BEHAVIOR = {"cart": "add_to_cart", "fav": "favorite", "buy": "purchase"}
PURCHASE = [{"field": "eventName", "operator": "EQUAL", "values": ["purchase"]}]
# The sample is from 2017: retention must keep it, or the import refuses it as too old.
SETTINGS = Settings(retention_days=10000, session_timeout_seconds=1800, outcome_train_interval_seconds=0)


def read_users(path: Path) -> tuple[dict[int, list[dict]], int]:
    """Each user's events as import lines, and the number of rows dropped as noise."""
    events: dict[int, list[dict]] = defaultdict(list)
    dropped = 0
    with path.open(newline="") as file:
        for line, (user, item, category, behavior, seconds) in enumerate(csv.reader(file), start=1):
            if not WINDOW_START <= int(seconds) < WINDOW_END:
                dropped += 1
                continue
            event = {
                "cookieId": f"taobao-{user}", "id": f"row-{line}",
                "occurredAt": datetime.fromtimestamp(int(seconds), UTC).isoformat(),
            }
            if behavior == "pv":
                event |= {"type": "pageview",
                          "page": {"url": f"https://shop.example/item/{item}", "title": f"category {category}"}}
            else:
                event |= {"type": "custom", "name": EVENT_OF_BEHAVIOR[behavior],
                          "attributes": {"item": item, "category": category}}
            events[int(user)].append(event)
    return events, dropped


async def replay(importer, users: list[int], events: dict[int, list[dict]], label: str):
    text = "".join(json.dumps(event) + "\n" for user in users for event in events[user])
    rows = list(read_rows(text, "jsonl"))
    started = time.perf_counter()
    with tqdm(total=len(rows), unit="event", desc=f"importing {label}", leave=False) as bar:
        summary = await import_rows(importer, rows, deployment_id="default", batch_size=200, progress=bar.update)
    seconds = time.perf_counter() - started
    print(f"{label}: {len(users)} users, {summary.accepted} events accepted, {summary.rejected} rejected, "
          f"{len(summary.session_ids)} sessions; imported in {seconds:.0f} s "
          f"({summary.accepted / seconds:.0f} events/s)")
    return summary


def scoring_cost(model: TrainedModel, rows: list[tuple[dict, bool]]) -> float:
    """µs to score one event for one outcome: probability, quantile and factors."""
    started = time.perf_counter()
    for features, _ in rows:
        model.predict(features)
    return (time.perf_counter() - started) / len(rows) * 1e6


def folding_cost(journeys: list[tuple]) -> float:
    """µs per event to keep the features every outcome reads (once, whatever the outcomes)."""
    events = 0
    started = time.perf_counter()
    for context, items in journeys:
        fold = FeatureFold({}, started_at=items[0]["occurredAt"], context=context, segment_ids=())
        for item in items:
            fold.add(dict(item))
        fold.finish()
        events += len(items)
    return (time.perf_counter() - started) / events * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="replay the first N users by id")
    parser.add_argument("--all", action="store_true", help="replay every user")
    args = parser.parse_args()

    events, dropped = read_users(DATA)
    users = sorted(events) if args.all else sorted(events)[: args.users]
    cut = round(len(users) * TRAIN_SHARE)
    print(f"{sum(len(events[user]) for user in users)} events of {len(users)} users "
          f"({'all' if args.all else 'subset'} of {len(events)}); {dropped} rows outside the window dropped")

    event_types.register(phone_default_region=SETTINGS.phone_default_region)
    store = EmbeddedStore(engine="memory")
    # Once the events collection is large, one insert keeps the embedded store busy for
    # longer than the driver's default heartbeat wait, which would drop the connection.
    uri = f"{await store.start()}&connectTimeoutMS={BUSY_STORE_WAIT_MS}"
    db = connect(uri, f"quality_{uuid.uuid4().hex[:8]}")
    clock = SystemClock()
    total_started = time.perf_counter()
    try:
        await ensure_indexes(db, retention_seconds=SETTINGS.retention_days * 86400)
        await deployments.ensure_default(db, now=clock.now())
        pipeline = build_pipeline(db=db, hub=SilentHub(), clock=clock, settings=SETTINGS)
        doc = await stored_outcomes.create(
            db, definition=definition(name="purchase", description=None, positive=True, conditions=PURCHASE),
            now=clock.now(),
        )
        outcome = Outcome.from_doc(doc)

        await replay(pipeline.importer, users[:cut], events, "train users")
        started = time.perf_counter()
        [report] = await pipeline.trainer.train()
        print(f"trained on {report.rows} prefixes ({report.positives} of sessions that purchased) "
              f"in {time.perf_counter() - started:.1f} s: {report.reason or 'model stored'}")
        [stored] = await stored_outcomes.models(db)
        model = model_from_document(stored["model"])

        test = await replay(pipeline.importer, users[cut:], events, "test users")
        sessions = await db.sessions.find(
            {"_id": {"$in": sorted(test.session_ids)}}, {"context": 1, "outcomes": 1}
        ).to_list()
        items = await tracked_items(db, session_ids=[session["_id"] for session in sessions])
        journeys = [(session.get("context"), items[session["_id"]]) for session in sessions]
        rows = rows_for(outcome, journeys)
    finally:
        await db.client.close()
        await store.stop()
    replay_seconds = time.perf_counter() - total_started

    labels = [achieved for _, achieved in rows]
    model_auc = roc_auc([model.predict(features).probability for features, _ in rows], labels)
    cart_auc = roc_auc([count_of(features, CART) > 0 for features, _ in rows], labels)
    cart_count_auc = roc_auc([count_of(features, CART) for features, _ in rows], labels)
    purchased = sum(bool(session.get("outcomes")) for session in sessions)
    print(f"test: {len(sessions)} sessions, {purchased} achieved purchase; {len(rows)} stored prefixes "
          f"before any purchase ({sum(labels)} of sessions that went on to purchase)")
    print(f"model {len(model.features)} features; AUC {model_auc:.3f}; has-added-to-cart {cart_auc:.3f}; "
          f"cart-add count {cart_count_auc:.3f}")
    print(f"scoring {scoring_cost(model, rows):.1f} µs per event per outcome; keeping the features "
          f"{folding_cost(journeys):.1f} µs per event for all outcomes")
    print(f"replay and training took {replay_seconds:.0f} s")
    print(f"auc={model_auc:.3f} baseline_auc={cart_auc:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
