"""Reading historical events from CSV or JSON Lines, in the order the pipeline needs.

Live tracking refuses events older than an hour; an import feeds older ones through the
same pipeline with their own timestamps. Each browser's events go in time order, so its
sessions, identities, segments and outcomes come out as if the events had arrived live.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.errors import InvalidInput
from journey.incoming import Source

FORMATS = ("csv", "jsonl")
CSV_COLUMNS = ("cookieId", "id", "type", "occurredAt", "url", "title", "referrer", "query",
               "name", "attributes", "traits", "userAgent", "ip", "acceptLanguage")
"""CSV import columns; `attributes` and `traits` hold JSON objects."""
REQUIRED_CSV_COLUMNS = ("cookieId", "id", "type", "occurredAt")
SOURCE_FIELDS = {"userAgent": "user_agent", "ip": "ip", "acceptLanguage": "accept_language"}
"""Where the visitor's browser is described, as trackEvents takes it per event."""
_EVENT_CSV_COLUMNS = ("id", "type", "occurredAt", "referrer", "query", "name")
_UNTIMED = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cookie_id: Any
    event: dict[str, Any] | None
    source: Source | None = None
    problem: str | None = None
    """Why the row could not be read as an event; None when it could."""


def read_rows(text: str, kind: str) -> Iterator[Row]:
    """Rows of a CSV (with a header naming some of CSV_COLUMNS) or JSON Lines document
    (one event object per line, as trackEvents takes it, with its cookieId).

    A row that cannot be read comes with its problem; a header that cannot be read
    raises InvalidInput."""
    if kind not in FORMATS:
        raise InvalidInput("format", f"must be one of {', '.join(FORMATS)}")
    text = text.removeprefix("\ufeff")  # a byte order mark some spreadsheets write
    if kind == "csv":
        yield from _csv_rows(text)
    else:
        yield from _jsonl_rows(text)


def _csv_rows(text: str) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or ()
    missing = [column for column in REQUIRED_CSV_COLUMNS if column not in header]
    if missing:
        raise InvalidInput("header", f"lacks the column(s) {', '.join(missing)}")
    unknown = [column for column in header if column not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput("header", f"has unknown column(s) {', '.join(unknown)}")
    records = iter(reader)
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as error:
            # The reader cannot say where the broken record would have ended, so reading
            # on could misplace every later row: the file is refused whole.
            raise InvalidInput("body", f"after line {reader.line_num}: {_csv_problem(error)}") from None
        line = reader.line_num  # where the record ends: a quoted field may span lines
        if None in record:
            yield Row(line, None, None, problem="row: has more fields than the header")
            continue
        try:
            yield Row(line, record.get("cookieId") or None, _csv_event(record), _source(record))
        except InvalidInput as error:
            yield Row(line, None, None, problem=str(error))


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"not valid CSV ({error})"


def _csv_event(record: dict[str, str | None]) -> dict[str, Any]:
    event: dict[str, Any] = {key: value for key in _EVENT_CSV_COLUMNS if (value := record.get(key))}
    if record.get("url"):
        event["page"] = {"url": record["url"], "title": record.get("title") or None}
    for key in ("attributes", "traits"):
        if encoded := record.get(key):
            try:
                event[key] = json.loads(encoded)
            except ValueError:
                raise InvalidInput(key, "is not valid JSON") from None
    return event


def _jsonl_rows(text: str) -> Iterator[Row]:
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            value = json.loads(content)
        except ValueError:
            yield Row(line, None, None, problem="line: is not valid JSON")
            continue
        if not isinstance(value, dict):
            yield Row(line, None, None, problem="line: must be a JSON object")
            continue
        cookie_id = value.pop("cookieId", None)
        source = _source(value)
        for field in SOURCE_FIELDS:
            value.pop(field, None)
        yield Row(line, cookie_id, value, source)


def _source(values: dict[str, Any]) -> Source | None:
    found = {name: values[field] for field, name in SOURCE_FIELDS.items()
             if isinstance(values.get(field), str) and values[field]}
    return Source(**found) if found else None


def _moment(event: dict[str, Any]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(event["occurredAt"])
    except (KeyError, TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def in_pipeline_order(rows: Iterable[Row], batch_size: int) -> Iterator[list[Row]]:
    """Batches of at most `batch_size` rows: each browser's rows in time order, browsers
    one after another from the one that started first. A browser's rows share a batch
    where they fit, which keeps a batch's writes to few sessions.

    Rows without a usable time still go through, last of their browser's, so the
    pipeline names their fault."""
    by_cookie: dict[Any, list[Row]] = {}
    for row in rows:
        by_cookie.setdefault(row.cookie_id if isinstance(row.cookie_id, str) else None, []).append(row)
    browsers = []
    for rows_of_cookie in by_cookie.values():
        timed, untimed = [], []
        for row in rows_of_cookie:
            moment = _moment(row.event) if row.event is not None else None
            if moment is None:
                untimed.append(row)
            else:
                timed.append((moment, row.line, row))
        timed.sort(key=lambda entry: entry[:2])
        first = timed[0][0] if timed else _UNTIMED
        browsers.append((first, [row for _, _, row in timed] + untimed))
    browsers.sort(key=lambda browser: browser[0])
    batch: list[Row] = []
    for _, ordered in browsers:
        for row in ordered:
            batch.append(row)
            if len(batch) == batch_size:
                yield batch
                batch = []
    if batch:
        yield batch
