"""Offline check of the purchase model on real shopper journeys (Taobao UserBehavior sample).

Trains on the first 70% of users, scores the remaining users' session prefixes before
any purchase (sampled as for training), and compares ROC AUC with the rule "has added
to cart", scored by the number of cart adds so far.
"""

import csv
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # a script's own folder, not the repository, is on sys.path

from prediction import feature_vector, fold_event, roc_auc, train, training_rows  # noqa: E402
from prediction.features import count_of  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "taobao-userbehavior-sample.csv"
SESSION_GAP_SECONDS = 30 * 60
TRAIN_SHARE = 0.7
# Collection window 2017-11-25..2017-12-03 in China Standard Time (UTC+8).
WINDOW_START = int(datetime(2017, 11, 24, 16, tzinfo=UTC).timestamp())
WINDOW_END = int(datetime(2017, 12, 3, 16, tzinfo=UTC).timestamp())
OUTCOME = "purchase"
CART = "name:add_to_cart"

EVENT_OF_BEHAVIOR = {
    "pv": ("PAGEVIEW", "pageview"),
    "cart": ("CUSTOM", "add_to_cart"),
    "fav": ("CUSTOM", "favorite"),
    "buy": ("CUSTOM", OUTCOME),
}


def read_journeys(path: Path) -> tuple[dict[int, list[tuple]], int, int]:
    """Journeys per user id, plus the number of rows read and dropped as noise."""
    events_by_user: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
    read = dropped = 0
    with path.open(newline="") as file:
        for user, item, category, behavior, seconds in csv.reader(file):
            read += 1
            if not WINDOW_START <= int(seconds) < WINDOW_END:
                dropped += 1
                continue
            events_by_user[int(user)].append((int(seconds), item, category, behavior))

    journeys_by_user = {}
    for user, raw in events_by_user.items():
        raw.sort(key=lambda row: row[0])  # stable: same-second events keep file order
        sessions: list[list[tuple]] = []
        last = None
        for row in raw:
            if last is None or row[0] - last > SESSION_GAP_SECONDS:
                sessions.append([])
            sessions[-1].append(row)
            last = row[0]
        journeys_by_user[user] = [_journey(session) for session in sessions]
    return journeys_by_user, read, dropped


def _journey(session: list[tuple]) -> tuple:
    events = []
    for seconds, item, category, behavior in session:
        kind, name = EVENT_OF_BEHAVIOR[behavior]
        page = {"url": f"https://shop.example/item/{item}", "title": f"category {category}"}
        events.append({
            "kind": kind,
            "name": name,
            "page": page if kind == "PAGEVIEW" else None,
            "query": None,
            "attributes": {"item": item, "category": category},
            "occurredAt": datetime.fromtimestamp(seconds, UTC),
        })
    achieved = any(event["name"] == OUTCOME for event in events)
    return ({}, [], events, achieved)


def fold_cost_microseconds(journeys: list[tuple]) -> float:
    start = time.perf_counter()
    folded = 0
    for context, segments, events, _ in journeys:
        state: dict = {}
        started_at = events[0]["occurredAt"]
        for event in events:
            state = fold_event(state, event, started_at, exclude_names=frozenset({OUTCOME}))
            feature_vector(state, context, segments)
            folded += 1
    return (time.perf_counter() - start) / folded * 1e6


def main() -> None:
    journeys_by_user, read, dropped = read_journeys(DATA)
    users = sorted(journeys_by_user)
    cut = round(len(users) * TRAIN_SHARE)
    train_journeys = [j for user in users[:cut] for j in journeys_by_user[user]]
    test_journeys = [j for user in users[cut:] for j in journeys_by_user[user]]
    sessions = train_journeys + test_journeys
    print(f"rows read {read}, dropped outside window {dropped}")
    print(f"users {len(users)} (train {cut}, test {len(users) - cut}), sessions {len(sessions)}, "
          f"with purchase {sum(j[3] for j in sessions)}")

    train_rows = training_rows(train_journeys, [OUTCOME])
    test_rows = training_rows(test_journeys, [OUTCOME])
    print(f"train prefixes {len(train_rows)} ({sum(y for _, y in train_rows)} positive), "
          f"test prefixes {len(test_rows)} ({sum(y for _, y in test_rows)} positive)")

    start = time.perf_counter()
    model = train(train_rows)
    training_seconds = time.perf_counter() - start
    assert model is not None, "not enough history to train"
    print(f"training {training_seconds:.2f} s, {len(model.features)} features")
    for name, weight in sorted(zip(model.features, model.weights), key=lambda fw: -abs(fw[1])):
        print(f"  {weight:+.3f}  {name}")

    start = time.perf_counter()
    predictions = [model.predict(features) for features, _ in test_rows]
    predict_microseconds = (time.perf_counter() - start) / len(test_rows) * 1e6

    labels = [achieved for _, achieved in test_rows]
    model_auc = roc_auc([p.probability for p in predictions], labels)
    cart_flag_auc = roc_auc([count_of(f, CART) > 0 for f, _ in test_rows], labels)
    cart_count_auc = roc_auc([count_of(f, CART) for f, _ in test_rows], labels)
    mean_probability = sum(p.probability for p in predictions) / len(predictions)
    print(f"model AUC {model_auc:.3f}; baseline has-added-to-cart AUC {cart_flag_auc:.3f}, "
          f"cart-count AUC {cart_count_auc:.3f}")
    print(f"mean predicted probability {mean_probability:.3f}, "
          f"positive share {sum(labels) / len(labels):.3f}")
    print(f"predict (with factors) {predict_microseconds:.1f} µs; "
          f"fold_event + feature_vector {fold_cost_microseconds(test_journeys):.1f} µs per event")
    print(f"auc={model_auc:.3f} baseline_auc={cart_count_auc:.3f}")


if __name__ == "__main__":
    main()
