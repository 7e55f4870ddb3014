"""Offline comparison of the purchase models on real shoppers' journeys, through the
product's own features, without the import: fast enough to run on the whole sample.

Each user's rows become sessions (split at 30-minute gaps) of page views of the item's
page, and `add_to_cart`, `favorite` and `purchase` (the outcome) custom events on it, each
with the category as an attribute, as a tracker on the shop would send them. Features are
folded as ingest folds them, the customer's history summary included (prediction.history:
earlier sessions, items seen and carted...).

Split by time: sessions that ended before the cut-off (70% of sessions by end) train,
those that started after it are scored; a session that spans the cut-off is neither. A
scored row is a prefix of a session before its first purchase (at most 30 evenly spaced
per session, as training takes them), labelled with whether the session went on to
purchase. Each model kind is fitted, calibrated and chosen as the product does, on the
training sessions only, and compared with the fallback and the "has added to cart" rule;
then every kind is offered at once, as training offers them, and the one kept is scored.
Beside each AUC is the range that holds 95% of the AUCs of the scored sessions drawn
again with replacement (prediction.metrics.session_bootstrap_aucs): with a few hundred
later sessions that bought, the AUC itself is uncertain by about ±0.04. The difference
between two kinds is given the same way, on the same resamples, and is surer (±0.01-0.02).

Run: .venv/bin/python benchmarks/outcome_model_offline.py [--data taobao|otto] [--file PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # a script's own folder, not the repository, is on sys.path

from benchmarks import clickstream  # noqa: E402
from journey.outcomes.progress import fallback_score  # noqa: E402
from prediction import SessionRows, brier, feature_vector, fold_event, pr_auc, roc_auc, select_model  # noqa: E402
from prediction import history as customer_history  # noqa: E402
from prediction.categories import CategoryCounts, session_counts  # noqa: E402
from prediction.features import count_of  # noqa: E402
from prediction.metrics import reliability, session_bootstrap_aucs  # noqa: E402
from prediction.selection import KINDS  # noqa: E402
from prediction.state import CATEGORY_CODE  # noqa: E402
from prediction.training_data import MAX_PREFIXES_PER_SESSION, evenly_spaced  # noqa: E402

SESSION_GAP_SECONDS = 30 * 60
TRAIN_SHARE = 0.7
TRAINING_SESSIONS = 20_000
OUTCOME = "purchase"
CART = "name:add_to_cart"
EVENT_OF = {"view": ("PAGEVIEW", "pageview"), "cart": ("CUSTOM", "add_to_cart"),
            "favorite": ("CUSTOM", "favorite"), "purchase": ("CUSTOM", OUTCOME)}


def sessions_of(rows: list[clickstream.Row]) -> list[tuple[str, list[dict]]]:
    """(user, events) per session, each user's sessions in time order."""
    by_user: dict[str, list[clickstream.Row]] = defaultdict(list)
    for row in rows:
        by_user[row[0]].append(row)
    sessions: list[tuple[str, list[dict]]] = []
    for user, user_rows in by_user.items():
        user_rows.sort(key=lambda row: row[4])  # stable: same-second rows keep file order
        last = None
        for _, item, category, behaviour, seconds in user_rows:
            if last is None or seconds - last > SESSION_GAP_SECONDS:
                sessions.append((user, []))
            kind, name = EVENT_OF[behaviour]
            # Every event on a product's page names its category, as a shop's tracker
            # describes a product view (GA4's view_item carries item_category).
            attributes = {"category": category} if category else {}
            sessions[-1][1].append({
                "kind": kind, "name": name, "query": None, "attributes": attributes,
                "page": {"url": f"https://shop.example/item/{item}"},
                "occurredAt": datetime.fromtimestamp(seconds, UTC),
            })
            last = seconds
    return sessions


def labelled_sessions(
    sessions: list[tuple[str, list[dict]]],
) -> list[tuple[float, float, list[tuple], CategoryCounts]]:
    """(started, ended, rows, category counts) per session, rows as select_model takes
    them, the customer's summary kept as ingest keeps it (one batch per session)."""
    summaries: dict[str, dict] = defaultdict(dict)
    labelled = []
    for user, events in sessions:
        started_at = events[0]["occurredAt"]
        start = customer_history.snapshot(summaries[user], started_at)
        state = dict(start)
        purchased = False
        prefixes = []
        codes: list[float | None] = []
        purchased_in = None
        for event in events:
            state = fold_event(state, event, started_at)
            codes.append(state.get(CATEGORY_CODE))
            if event["name"] == OUTCOME and not purchased:
                purchased = True
                purchased_in = codes[-1]
            elif not purchased:
                prefixes.append(feature_vector(state, None, ()))
        achieved = [OUTCOME] if purchased else []
        summaries[user] = customer_history.advanced(summaries[user], customer_history.changes(
            start, state, opened=True, last_at=events[-1]["occurredAt"], achieved=achieved))
        rows = [(features, purchased, fallback_score(features, 0.0))
                for features in evenly_spaced(prefixes, MAX_PREFIXES_PER_SESSION)]
        labelled.append((started_at.timestamp(), events[-1]["occurredAt"].timestamp(), rows,
                         session_counts(codes, purchased_in)))
    return labelled


def measures(scores: list[float], labels: list[bool], probabilities: bool = True) -> str:
    figures = f"auc={roc_auc(scores, labels):.3f} pr_auc={pr_auc(scores, labels):.3f}"
    return figures + (f" brier={brier(scores, labels):.4f}" if probabilities else "")


def spread(resampled: np.ndarray) -> str:
    low, high = np.percentile(resampled, [2.5, 97.5])
    return f"[95% of session resamples {low:.3f}-{high:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=sorted(clickstream.READERS), default="taobao",
                        help="the row mapping: which shop's export the file is")
    parser.add_argument("--file", type=Path, help="default: the sample of that shop in ../shared/data")
    args = parser.parse_args()

    rows, path = clickstream.read(args.data, args.file)
    sessions = sessions_of(rows)
    labelled = labelled_sessions(sessions)
    ends = sorted(ended for _, ended, _, _ in labelled)
    cut = ends[round(len(ends) * TRAIN_SHARE)]
    train = [SessionRows(ended, session_rows, categories) for _, ended, session_rows, categories in labelled
             if ended < cut]
    test_sessions = [session_rows for started, _, session_rows, _ in labelled if started >= cut]
    test = [row for session_rows in test_sessions for row in session_rows]
    sizes = [len(session_rows) for session_rows in test_sessions]
    labels = [achieved for _, achieved, _ in test]
    print(f"{path.name}: {len(rows)} rows, {len({user for user, _ in sessions})} users, {len(sessions)} sessions "
          f"({sum(1 for _, _, r, _ in labelled if r and r[0][1])} with a purchase after their first event)")
    print(f"cut-off {datetime.fromtimestamp(cut, UTC):%Y-%m-%d %H:%M} UTC: {len(train)} sessions train; "
          f"{len(test)} prefixes of later sessions scored, positive rate {sum(labels) / len(labels):.3f}")

    print(f"{'fallback':<12} {measures([fallback for *_, fallback in test], labels, probabilities=False)}")
    print(f"{'has carted':<12} {measures([count_of(f, CART) > 0 for f, _, _ in test], labels, probabilities=False)}")
    results = {}
    scored = {}
    resampled = {}
    for kind in KINDS:
        selection = select_model(train, trained_at=datetime.now(UTC), min_rows=200, min_positives=20, kinds=(kind,))
        model = selection.model
        if model is None:
            print(f"{kind:<12} no model: {selection.reason}")
            continue
        started = time.perf_counter()
        probabilities = [model.predict(features).probability for features, _, _ in test]
        scoring = (time.perf_counter() - started) / len(test) * 1e6
        results[kind] = roc_auc(probabilities, labels)
        scored[kind] = probabilities
        resampled[kind] = session_bootstrap_aucs(probabilities, labels, sizes)
        holdout_auc = (model.evaluation or {}).get("auc", float("nan"))
        print(f"{kind:<12} {measures(probabilities, labels)} {spread(resampled[kind])} "
              f"({len(model.features)} features; "
              f"predict with factors {scoring:.1f} µs; AUC on its own holdout at training {holdout_auc:.3f})")

    if not results:
        return
    # The kinds offered together, as training offers them: which one the product keeps.
    chosen = select_model(train, trained_at=datetime.now(UTC), min_rows=200, min_positives=20).model
    if chosen is not None:
        probabilities = [chosen.predict(features).probability for features, _, _ in test]
        chosen_spread = spread(session_bootstrap_aucs(probabilities, labels, sizes))
        print(f"{'chosen':<12} {measures(probabilities, labels)} {chosen_spread} "
              f"({chosen.kind}, the kind training keeps)")
    if len(scored) > 1:
        first, *others = scored
        for other in others:
            gains = resampled[other] - resampled[first]
            low, high = np.percentile(gains, [2.5, 97.5])
            print(f"{other} - {first}: AUC {results[other] - results[first]:+.3f}, "
                  f"95% of session resamples {low:+.3f}..{high:+.3f}")
    every = [SessionRows(ended, session_rows, categories) for _, ended, session_rows, categories in labelled]
    repeated = (every * (TRAINING_SESSIONS // len(every) + 1))[:TRAINING_SESSIONS]
    started, started_cpu = time.perf_counter(), time.process_time()
    select_model(repeated, trained_at=datetime.now(UTC), min_rows=200, min_positives=20)
    # The sessions are repeated to reach the count: the time is what this measures, not the choice.
    print(f"training on {len(repeated)} sessions ({sum(len(s.rows) for s in repeated)} prefixes), "
          f"every kind fitted, calibrated and judged: {time.perf_counter() - started:.1f} s "
          f"({time.process_time() - started_cpu:.1f} s CPU)")
    best = max(results, key=results.__getitem__)
    print(f"reliability of {best} on the scored prefixes (said / happened, prefixes):")
    for band in reliability(scored[best], labels):
        print(f"  {band.low:.1f}-{band.high:.1f}: {band.predicted:.3f} / {band.observed:.3f} ({band.count})")
    cart_auc = roc_auc([count_of(f, CART) > 0 for f, _, _ in test], labels)
    print(f"auc={results[best]:.3f} baseline_auc={cart_auc:.3f}")


if __name__ == "__main__":
    main()
