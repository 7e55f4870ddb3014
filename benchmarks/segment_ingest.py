"""Cost of the segment stage of the ingest pipeline per event, with 100 active segments.

The same 100 definitions and event mix as segment_evaluation.py, but through what
ingest runs: definitions validated and compiled into the catalog, each event folded
into the session's stored progress, matches turned into map items and assignments.
Events arrive in batches of 5 per session, as a tracker sends them; the progress and
assignments each batch writes are folded back into the "stored" session, as the
database would. No database: its round trips are counted by tests/journey/test_round_trips.py.

Run: .venv/bin/python benchmarks/segment_ingest.py
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
from benchmarks.segment_evaluation import (
    EVENTS,
    RULES,
    SEED,
    SESSIONS,
    random_context,
    random_context_condition,
    random_event,
    random_event_condition,
)
from journey.segments.catalog import Catalog, SegmentCatalog
from journey.segments.definitions import Segment, definition
from journey.segments.stage import STATE, SegmentStage
from journey.work import SessionWork
from storage.documents import EventDocument, SessionDocument
from storage.sessions import SessionDelta

BATCH = 5
START = datetime(2026, 1, 1, tzinfo=UTC)


class FixedCatalog(NeverRefreshed[Catalog], SegmentCatalog):
    """The catalog as the stage reads it between refreshes, never refreshed: no database."""


def build_catalog(rng: random.Random) -> Catalog:
    segments = []
    for number in range(RULES):
        shape = number % 4  # context only, events only, and two mixes
        contexts = [random_context_condition(rng) for _ in range((1, 0, 1, 2)[shape])]
        events = [random_event_condition(rng) for _ in range((0, 2, 1, 3)[shape])]
        fields = definition(
            name=f"Segment {number}", description=None, color="#336699",
            scope=("SESSION", "CUSTOMER")[number % 2], display_to_agent=True,
            conditions=contexts + events,
        )
        doc = {**fields, "_id": str(ObjectId()), "active": True, "revision": 1,
               "createdAt": START, "updatedAt": START}
        segments.append(Segment.from_doc(doc))
    return Catalog(1, segments)


def item(session: int, number: int, event: dict) -> dict:
    client_id = f"e{number}"
    return {
        "_id": ObjectId(), "dedupeKey": f"default/c{session}/{client_id}", "clientEventId": client_id,
        "type": event["name"], "occurredAt": START + timedelta(seconds=number), "icon": "custom",
        "referrer": None, **event,
    }


def store(stored: dict, work: SessionWork) -> dict:
    """What the session update does to the stored session."""
    state = dict(stored.get(STATE) or {})
    for path, added in work.delta.increments.items():
        key = path.removeprefix(f"{STATE}.")
        state[key] = state.get(key, 0) + added
    return {**stored, STATE: state,
            "segments": [*stored.get("segments", []), *work.delta.pushes.get("segments", [])]}


def main() -> None:
    rng = random.Random(SEED)
    # The database serves only prepare(), for sessions that carry segments over; not timed here.
    stage = SegmentStage(db=None, catalog=FixedCatalog(build_catalog(rng)))  # type: ignore[arg-type]
    contexts = [random_context(rng) for _ in range(SESSIONS)]
    stored: list[dict] = [{"context": context} for context in contexts]
    arrivals = [(rng.randrange(SESSIONS), random_event(rng)) for _ in range(EVENTS)]
    batches: dict[int, list[dict]] = {}
    works = []
    for number, (session, event) in enumerate(arrivals):
        batch = batches.setdefault(session, [])
        batch.append(item(session, number, event))
        if len(batch) == BATCH:
            works.append((session, batches.pop(session)))

    elapsed, events, matches = 0.0, 0, 0
    for session, items in works:
        delta = SessionDelta(
            session_id=f"s{session}", customer_id=f"c{session}", cookie_id=f"c{session}",
            deployment_id="default", seq=1, started_at=items[0]["occurredAt"],
            last_activity_at=items[-1]["occurredAt"],
        )
        # Partial documents: the stage reads only these fields.
        work = SessionWork(delta=delta, stored=cast(SessionDocument, stored[session]))
        for doc in items:
            work.add(cast(EventDocument, doc))
        started = time.perf_counter()
        stage.process(work)
        elapsed += time.perf_counter() - started
        events += len(items)
        matches += len(work.delta.pushes.get("segments", []))
        stored[session] = store(stored[session], work)

    print(f"{RULES} active segments, {events:,} events in batches of {BATCH} over {SESSIONS:,} sessions")
    print(f"{elapsed / events * 1e6:.1f} µs per event in the segment stage")
    print(f"{matches:,} assignments made ({matches / SESSIONS:.1f} per session)")


if __name__ == "__main__":
    main()
