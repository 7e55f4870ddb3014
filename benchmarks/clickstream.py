"""Shop clickstreams of the same shape (a user, a product, a behaviour, a time) read into
one form, so the outcome benchmarks run unchanged on any of them: only the file and the
mapping of its rows differ.

Each reader yields (user, item, category, behaviour, unix seconds) with behaviour one of
"view", "cart", "favorite", "purchase".
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
Row = tuple[str, str, str, str, int]

# Taobao UserBehavior: its collection window, 2017-11-25..2017-12-03 in China Standard
# Time (UTC+8); the few rows outside it are the data set's own noise.
_TAOBAO_START = int(datetime(2017, 11, 24, 16, tzinfo=UTC).timestamp())
_TAOBAO_END = int(datetime(2017, 12, 3, 16, tzinfo=UTC).timestamp())
_TAOBAO_BEHAVIOURS = {"pv": "view", "cart": "cart", "fav": "favorite", "buy": "purchase"}
_OTTO_BEHAVIOURS = {"clicks": "view", "carts": "cart", "orders": "purchase"}


def taobao(path: Path) -> Iterator[Row]:
    """user_id,item_id,category_id,behavior,unix_seconds; no header."""
    with path.open(newline="") as file:
        for user, item, category, behaviour, seconds in csv.reader(file):
            if _TAOBAO_START <= int(seconds) < _TAOBAO_END:
                yield user, item, category, _TAOBAO_BEHAVIOURS[behaviour], int(seconds)


def otto(path: Path) -> Iterator[Row]:
    """One session per line: {"session", "events": [{"aid", "ts" (ms), "type"}]}; OTTO's
    sessions are its users, and it has no categories."""
    with path.open() as file:
        for line in file:
            session = json.loads(line)
            for event in session["events"]:
                yield (str(session["session"]), str(event["aid"]), "", _OTTO_BEHAVIOURS[event["type"]],
                       event["ts"] // 1000)


READERS = {"taobao": (taobao, DATA / "taobao-userbehavior-sample.csv"),
           "otto": (otto, DATA / "otto-sessions-sample.jsonl")}


def read(name: str, path: Path | None = None) -> tuple[list[Row], Path]:
    reader, default = READERS[name]
    path = path or default
    return list(reader(path)), path
