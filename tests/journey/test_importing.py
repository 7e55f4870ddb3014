"""Historical import over POST /import: old events through the same pipeline, with their
own timestamps, summarised per row, idempotent, and never pushed live."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from access import permissions as perm
from live import topics
from tests.access.conftest import JWT_SECRET, all_but, token
from tests.support.outcomes import create_outcome, progress
from tests.support.segments import condition, create_segment, matched
from tests.support.service import ADMIN_TOKEN, Service

CSV_HEADER = "cookieId,id,type,occurredAt,url,title,query,name,attributes\n"
SESSIONS = """query($cookie: String!) { customerByIdentity(type: COOKIE, value: $cookie) {
    identified sessions { nodes { id status startedAt eventCount } } } }"""


async def send(service: Service, body: str, *, format: str = "jsonl", token: str | None = ADMIN_TOKEN,
               **params: str):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await service.http.post("/import", content=body.encode(), headers=headers,
                                   params={"format": format, **params})


async def imported(service: Service, body: str, **options) -> dict:
    response = await send(service, body, **options)
    assert response.status_code == 200, response.text
    return response.json()


def jsonl(*events: dict) -> str:
    return "".join(json.dumps(event) + "\n" for event in events)


def days_ago(service: Service, days: float, minutes: float = 0) -> str:
    return (service.clock.now() - timedelta(days=days) + timedelta(minutes=minutes)).isoformat()


def pageview(service: Service, cookie: str, event_id: str, minutes: float, path: str = "/") -> dict:
    return {"cookieId": cookie, "id": event_id, "type": "pageview", "occurredAt": days_ago(service, 3, minutes),
            "page": {"url": f"https://shop.example{path}"}}


async def cards(service: Service, cookie: str) -> dict:
    return (await service.data(SESSIONS, {"cookie": cookie}))["customerByIdentity"]


async def test_a_csv_file_is_imported_with_its_own_timestamps(service: Service):
    at = (service.clock.now() - timedelta(days=10)).replace(microsecond=0).isoformat()
    body = await imported(service, CSV_HEADER + (
        f"h,1,pageview,{at},https://shop.example/shoes,Shoes,,,\n"
        f"h,2,search,{at},,,red shoes,,\n"
        f'h,3,custom,{at},,,,add_to_cart,"{{""sku"": ""A1""}}"\n'
    ), format="csv")
    assert body == {"accepted": 3, "duplicate": 0, "rejected": 0, "sessions": 1, "rejections": []}
    [session] = (await cards(service, "h"))["sessions"]["nodes"]
    assert (session["startedAt"], session["eventCount"]) == (at, 3)


async def test_a_json_lines_file_is_imported(service: Service):
    body = await imported(service, jsonl(pageview(service, "h", "1", 0), pageview(service, "h", "2", 1)))
    assert (body["accepted"], body["sessions"]) == (2, 1)


async def test_events_split_into_sessions_as_live(service: Service):
    await imported(service, jsonl(
        pageview(service, "h", "1", 0), pageview(service, "h", "2", 10),
        pageview(service, "h", "3", 100),  # after a gap longer than the session timeout
    ))
    sessions = (await cards(service, "h"))["sessions"]["nodes"]
    assert [session["eventCount"] for session in sessions] == [1, 2]  # newest first


async def test_rows_are_taken_in_time_order_whatever_the_file_order(service: Service):
    await imported(service, jsonl(pageview(service, "h", "3", 100), pageview(service, "h", "1", 0),
                                  pageview(service, "h", "2", 10)))
    assert [s["eventCount"] for s in (await cards(service, "h"))["sessions"]["nodes"]] == [1, 2]


async def test_imported_sessions_already_idle_are_inactive(service: Service):
    await imported(service, jsonl(pageview(service, "h", "1", 0)))
    assert [s["status"] for s in (await cards(service, "h"))["sessions"]["nodes"]] == ["INACTIVE"]


async def test_an_import_pushes_nothing_live(service: Service):
    async with service.socket() as socket:
        op = await socket.subscribe("subscription { liveVisitors { kind session { id } } }")
        await service.until_listening(topics.LIVE_VISITORS)
        await imported(service, jsonl(pageview(service, "h", "1", 0), pageview(service, "h", "2", 100)))
        service.clock.advance(minutes=31)  # the sweeper runs: it finds nothing to announce
        await socket.nothing(op, wait=0.5)
        live = await service.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}],
                                     cookie_id="live")
        assert (await socket.next(op))["liveVisitors"] == {"kind": "CREATED", "session": {"id": live["sessionIds"][0]}}


async def test_reimporting_the_same_file_changes_nothing(service: Service):
    file = jsonl(pageview(service, "h", "1", 0), pageview(service, "h", "2", 1))
    await imported(service, file)
    before = await cards(service, "h")
    body = await imported(service, file)
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (0, 2, 0)
    assert await cards(service, "h") == before


async def test_rejected_rows_are_named_with_their_reasons(service: Service):
    body = await imported(service, "\n".join([
        json.dumps(pageview(service, "h", "1", 0)),
        "{not json",
        json.dumps({**pageview(service, "h", "2", 0), "occurredAt": "2017-01-01T00:00:00"}),
        json.dumps({**pageview(service, "h", "3", 0), "occurredAt": days_ago(service, -1)}),
        json.dumps({**pageview(service, "h", "4", 0), "cookieId": None}),
        json.dumps({**pageview(service, "h", "5", 0), "type": "teleport"}),
        json.dumps({**pageview(service, "h", "6", 0), "occurredAt": days_ago(service, 400)}),
    ]))
    assert (body["accepted"], body["rejected"]) == (1, 6)
    assert body["rejections"] == [
        {"line": 2, "reason": "line: is not valid JSON"},
        {"line": 3, "reason": "occurredAt: must include a time zone (for example a trailing Z)"},
        {"line": 4, "reason": "occurredAt: is in the future"},
        {"line": 5, "reason": "cookieId: is required"},
        {"line": 6, "reason": "type: must be one of pageview, search, custom, identify, logout, "
                              "engagement, form_submitted, form_abandoned"},
        {"line": 7, "reason": "occurredAt: is older than 34128000 seconds"},
    ]


async def test_segments_outcomes_and_identities_come_out_as_live(service: Service):
    await create_segment(service, "Searcher", condition("searchQuery", "CONTAINS_ANY", "boots"))
    await create_outcome(service)
    await imported(service, jsonl(
        pageview(service, "h", "1", 0, "/find?q=boots"),
        {"cookieId": "h", "id": "2", "type": "identify", "occurredAt": days_ago(service, 3, 1),
         "traits": {"email": "Buyer@Example.com"}},
        {"cookieId": "h", "id": "3", "type": "custom", "name": "purchase", "occurredAt": days_ago(service, 3, 2)},
    ))
    customer = await cards(service, "h")
    [session] = customer["sessions"]["nodes"]
    assert customer["identified"] is True
    assert await matched(service, session["id"]) == ["Searcher"]
    assert [entry["achieved"] for entry in await progress(service, session["id"])] == [True]


async def test_an_unknown_deployment_refuses_the_whole_file(service: Service):
    response = await send(service, jsonl(pageview(service, "h", "1", 0)), deployment="nope")
    assert (response.status_code, response.json()) == (400, {"error": "deployment: unknown deployment 'nope'"})


async def test_the_format_must_be_given(service: Service):
    response = await service.http.post("/import", content=b"", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("format: give ?format=csv or ?format=jsonl")


async def test_a_csv_header_without_the_required_columns_is_refused(service: Service):
    response = await send(service, "cookieId,id,url\n", format="csv")
    assert response.json() == {"error": "header: lacks the column(s) type, occurredAt"}


async def test_importing_needs_a_token(service: Service):
    response = await send(service, jsonl(pageview(service, "h", "1", 0)), token=None)
    assert response.status_code == 401


@pytest.mark.parametrize("permissions", [all_but(perm.EVENT_IMPORT)], ids=["all but import"])
async def test_importing_needs_the_import_permission(start, permissions):
    secured = await start(jwt_secret=JWT_SECRET)
    response = await send(secured, jsonl(pageview(secured, "h", "1", 0)), token=token(permissions, ["*"]))
    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden: importing events requires the 'journey:event:import' permission"}


async def test_importing_is_allowed_with_the_import_permission(start):
    secured = await start(jwt_secret=JWT_SECRET)
    response = await send(secured, jsonl(pageview(secured, "h", "1", 0)), token=token([perm.EVENT_IMPORT]))
    assert (response.status_code, response.json()["accepted"]) == (200, 1)
