"""Reading import files into rows, and ordering rows for the pipeline."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from journey.history import Row, in_pipeline_order, read_rows
from journey.incoming import Source

HEADER = "cookieId,id,type,occurredAt,url,title,attributes\n"


def test_a_csv_row_becomes_an_event():
    [row] = read_rows(HEADER + 'c,1,pageview,2024-05-01T10:00:00Z,https://s.example/,Home,"{""a"": 1}"\n', "csv")
    assert row == Row(2, "c", {"id": "1", "type": "pageview", "occurredAt": "2024-05-01T10:00:00Z",
                               "page": {"url": "https://s.example/", "title": "Home"}, "attributes": {"a": 1}})


def test_a_byte_order_mark_is_ignored():
    [row] = read_rows("\ufeff" + HEADER + "c,1,pageview,2024-05-01T10:00:00Z,,,\n", "csv")
    assert row.cookie_id == "c"


def test_a_quoted_field_across_lines_keeps_line_numbers_true():
    rows = list(read_rows(HEADER + 'c,1,custom,t,,"two\nlines",\nc,2,custom,t,,,\n', "csv"))
    assert [row.line for row in rows] == [3, 4]


@pytest.mark.parametrize(("header", "message"), [
    ("cookieId,id,type\n", "header: lacks the column(s) occurredAt"),
    ("cookieId,id,type,occurredAt,colour\n", "header: has unknown column(s) colour"),
])
def test_a_bad_csv_header_is_refused(header, message):
    with pytest.raises(InvalidInput) as refused:
        list(read_rows(header, "csv"))
    assert str(refused.value) == message


@pytest.mark.parametrize(("line", "problem"), [
    ("c,1,custom,t,,,{oops\n", "attributes: is not valid JSON"),
    ("c,1,custom,t,,,,surplus\n", "row: has more fields than the header"),
])
def test_an_unreadable_csv_row_carries_its_problem(line, problem):
    [row] = read_rows(HEADER + line, "csv")
    assert (row.line, row.event, row.problem) == (2, None, problem)


def test_a_json_line_names_its_browser_and_source():
    [row] = read_rows('{"cookieId": "c", "id": "1", "type": "search", "query": "x", "userAgent": "UA/1"}\n', "jsonl")
    assert (row.cookie_id, row.event, row.source) == (
        "c", {"id": "1", "type": "search", "query": "x"}, Source(user_agent="UA/1"))


def test_blank_lines_are_skipped_and_bad_ones_named():
    rows = list(read_rows('\n[1]\n{"cookieId": "c"}\n', "jsonl"))
    assert [(row.line, row.problem) for row in rows] == [(2, "line: must be a JSON object"), (3, None)]


def test_an_unknown_format_is_refused():
    with pytest.raises(InvalidInput, match="format: must be one of csv, jsonl"):
        list(read_rows("", "xml"))


def row(line: int, cookie: str, at: str | None) -> Row:
    return Row(line, cookie, {"id": str(line), **({"occurredAt": at} if at else {})})


def test_browsers_go_in_time_order_one_after_another():
    rows = [row(1, "second", "2024-05-01T12:00:00Z"), row(2, "first", "2024-05-01T11:00:00+00:00"),
            row(3, "second", "2024-05-01T10:00:00Z"), row(4, "first", "2024-05-01T09:30:00Z"),
            row(5, "first", None)]
    [batch] = in_pipeline_order(rows, 10)
    assert [entry.line for entry in batch] == [4, 2, 5, 3, 1]


def test_batches_are_filled_across_browsers():
    rows = [row(n, f"c{n % 3}", f"2024-05-01T10:00:0{n}Z") for n in range(7)]
    assert [len(batch) for batch in in_pipeline_order(rows, 3)] == [3, 3, 1]
