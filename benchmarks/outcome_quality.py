"""How well the purchase prediction separates sessions that go on to buy, on real shoppers'
journeys, measured through the product itself: the historical import, the stored
features, the trainer and the stored model.

A shop's clickstream (Taobao UserBehavior sample by default; `--data otto` reads OTTO's,
`--file` another export of the same shape) is replayed through the historical import
(the real ingest pipeline, into the embedded store): page views of items' pages, and
`add_to_cart`, `favorite` and `purchase` custom events on them, the last achieving the
outcome "purchase"; each names the item's category. The split is by time: the cut-off leaves 70% of the sessions (by
end) before it; the model is trained as `journey outcomes train` would have been at
the cut-off, on the sessions that had ended by then, and judged on the sessions that
started after it: the features the pipeline stored after each of their events before
any purchase are read back and scored by the stored model. ROC AUC, PR AUC and Brier
score compare those scores with whether the session went on to purchase, beside the
fallback and the rule "has added to cart" on the same stored prefixes.

The embedded store's inserts slow down as a collection grows, so the full replay takes
long: by default a subset of users is replayed; `--users N` chooses how many, `--all`
replays every one.

Run: .venv/bin/python benchmarks/outcome_quality.py [--users N | --all] [--data taobao|otto] [--file PATH]
     [--port N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
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

from benchmarks import clickstream  # noqa: E402
from core.clock import ManualClock, SystemClock  # noqa: E402
from core.settings import Settings  # noqa: E402
from journey.assembly import build_pipeline  # noqa: E402
from journey.history import read_rows  # noqa: E402
from journey.importing import SilentHub, import_rows  # noqa: E402
from journey.outcomes.definitions import Outcome, definition  # noqa: E402
from journey.outcomes.features import FeatureFold  # noqa: E402
from journey.outcomes.training import OutcomeTrainer, sessions_for  # noqa: E402
from prediction import TrainedModel, brier, model_from_document, pr_auc, roc_auc  # noqa: E402
from prediction.features import count_of  # noqa: E402
from storage import deployments, sessions  # noqa: E402
from storage import outcomes as stored_outcomes  # noqa: E402
from storage.database import close, connect, ensure_indexes  # noqa: E402
from storage.embedded import EmbeddedStore  # noqa: E402
from storage.journeys import tracked_items  # noqa: E402

DEFAULT_USERS = 120
BUSY_STORE_WAIT_MS = 30 * 60 * 1000
TRAIN_SHARE = 0.7
SESSION_GAP_SECONDS = 1800
CART = "name:add_to_cart"
NAME_OF = {"cart": "add_to_cart", "favorite": "favorite", "purchase": "purchase"}
PURCHASE = [{"field": "eventName", "operator": "EQUAL", "values": ["purchase"]}]
# The samples are years old: retention must keep them, or the import refuses them as too old.
SETTINGS = Settings(retention_days=10000, session_timeout_seconds=SESSION_GAP_SECONDS,
                    outcome_train_interval_seconds=0)


def import_lines(rows: list[clickstream.Row]) -> dict[str, list[dict]]:
    """Each user's events as import lines, as a tracker on the shop would have sent them."""
    events: dict[str, list[dict]] = defaultdict(list)
    for line, (user, item, category, behaviour, seconds) in enumerate(rows, start=1):
        page = {"url": f"https://shop.example/item/{item}", "title": f"category {category}" if category else "item"}
        event = {"cookieId": f"shopper-{user}", "id": f"row-{line}",
                 "occurredAt": datetime.fromtimestamp(seconds, UTC).isoformat(), "page": page}
        # Every event on a product's page names its category, as a shop's tracker
        # describes a product view (GA4's view_item carries item_category).
        event["attributes"] = {"category": category} if category else {}
        if behaviour == "view":
            event |= {"type": "pageview"}
        else:
            event |= {"type": "custom", "name": NAME_OF[behaviour]}
        events[user].append(event)
    return events


def cut_off(rows: list[clickstream.Row]) -> datetime:
    """The moment that leaves TRAIN_SHARE of the sessions (by end) before it."""
    by_user: dict[str, list[int]] = defaultdict(list)
    for user, _, _, _, seconds in rows:
        by_user[user].append(seconds)
    ends = []
    for moments in by_user.values():
        moments.sort()
        ends += [a for a, b in itertools.pairwise(moments) if b - a > SESSION_GAP_SECONDS] + [moments[-1]]
    ends.sort()
    return datetime.fromtimestamp(ends[round(len(ends) * TRAIN_SHARE)], UTC)


async def replay(importer, users: list[str], events: dict[str, list[dict]]):
    text = "".join(json.dumps(event) + "\n" for user in users for event in events[user])
    rows = list(read_rows(text, "jsonl"))
    started = time.perf_counter()
    with tqdm(total=len(rows), unit="event", desc="importing", leave=False) as bar:
        summary = await import_rows(importer, rows, deployment_id="default", batch_size=200, progress=bar.update)
    seconds = time.perf_counter() - started
    print(f"imported {len(users)} users: {summary.accepted} events accepted, {summary.rejected} rejected, "
          f"{len(summary.session_ids)} sessions, in {seconds:.0f} s ({summary.accepted / seconds:.0f} events/s)")
    return summary


def scoring_cost(model: TrainedModel, rows: list) -> float:
    """µs to score one event for one outcome: probability, quantile and factors."""
    started = time.perf_counter()
    for features, _, _ in rows:
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


def figures(scores: list[float], labels: list[bool], probabilities: bool = True) -> str:
    text = f"AUC {roc_auc(scores, labels):.3f}, PR AUC {pr_auc(scores, labels):.3f}"
    return text + (f", Brier {brier(scores, labels):.4f}" if probabilities else "")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="replay the first N users")
    parser.add_argument("--all", action="store_true", help="replay every user")
    parser.add_argument("--data", choices=sorted(clickstream.READERS), default="taobao",
                        help="the row mapping: which shop's export the file is")
    parser.add_argument("--file", type=Path, help="default: the sample of that shop in ../shared/data")
    parser.add_argument("--port", type=int, default=0, help="the embedded store's port (default: any free one)")
    args = parser.parse_args()

    every_row, path = clickstream.read(args.data, args.file)
    everyone = sorted({row[0] for row in every_row})
    users = everyone if args.all else everyone[: args.users]
    chosen = set(users)
    rows = [row for row in every_row if row[0] in chosen]
    events = import_lines(rows)
    cut = cut_off(rows)
    print(f"{path.name}: {len(rows)} events of {len(users)} users ({'all' if args.all else 'subset'} of "
          f"{len(everyone)}); cut-off {cut:%Y-%m-%d %H:%M} UTC")

    store = EmbeddedStore(engine="memory", port=args.port)
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
        doc = await stored_outcomes.OUTCOMES.create(
            db, definition=definition(name="purchase", description=None, positive=True, conditions=PURCHASE),
            now=clock.now(),
        )
        outcome = Outcome.from_doc(doc)
        await replay(pipeline.importer, users, events)

        # Trained as it would have been at the cut-off: on the sessions ended by then.
        trainer = OutcomeTrainer(db=db, clock=ManualClock(cut), catalog=None,
                                 session_timeout_seconds=SESSION_GAP_SECONDS,
                                 sessions=SETTINGS.outcome_training_sessions, kinds=SETTINGS.outcome_model_kinds)
        started = time.perf_counter()
        [report] = await trainer.train()
        print(f"trained on {report.rows} prefixes of sessions ended by the cut-off ({report.positives} of "
              f"sessions that purchased) in {time.perf_counter() - started:.1f} s: "
              f"{'used' if report.used else report.reason}")
        stored = await stored_outcomes.models(db)
        model = model_from_document(stored[0]["model"]) if stored else None

        later = await sessions.started_since(db, since=cut)
        items = await tracked_items(db, session_ids=[session["_id"] for session in later])
        journeys = [(session["lastActivityAt"], (session.get("context"), items[session["_id"]])) for session in later]
        test = [row for session in sessions_for(outcome, journeys) for row in session.rows]
    finally:
        await close(db)
        await store.stop()
    replay_seconds = time.perf_counter() - total_started

    labels = [achieved for _, achieved, _ in test]
    print(f"test: {len(later)} sessions started after the cut-off; {len(test)} stored prefixes before any "
          f"purchase, positive rate {sum(labels) / len(labels):.3f}")
    print(f"fallback: {figures([fallback for *_, fallback in test], labels, probabilities=False)}")
    print(f"has added to cart: {figures([count_of(f, CART) > 0 for f, _, _ in test], labels, probabilities=False)}")
    print(f"replay and training took {replay_seconds:.0f} s")
    if model is None:
        print(f"no model: {report.reason}")
        return
    probabilities = [model.predict(features).probability for features, _, _ in test]
    model_auc = roc_auc(probabilities, labels)
    cart_auc = roc_auc([count_of(features, CART) > 0 for features, _, _ in test], labels)
    evaluation = model.evaluation or {}
    print(f"model {model.kind}, {len(model.features)} features: {figures(probabilities, labels)}")
    print(f"  on its own holdout at training: AUC {evaluation.get('auc', float('nan')):.3f}, "
          f"fallback {evaluation.get('fallbackAuc', float('nan')):.3f}")
    print(f"scoring {scoring_cost(model, test):.1f} µs per event per outcome; keeping the features "
          f"{folding_cost([journey for _, journey in journeys]):.1f} µs per event for all outcomes")
    print(f"auc={model_auc:.3f} baseline_auc={cart_auc:.3f} pr_auc={pr_auc(probabilities, labels):.3f} "
          f"brier={brier(probabilities, labels):.4f}")


if __name__ == "__main__":
    asyncio.run(main())
