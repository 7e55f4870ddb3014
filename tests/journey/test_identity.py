"""Identify, stitch, log out, merge, split, erase, export: through HTTP and WebSocket."""

from __future__ import annotations

import asyncio

import pytest

from live import topics
from tests.support.segments import condition, create_segment, matched
from tests.support.service import Service

CARDS = "query($id: ID!) { customer(id: $id) { id identified mergedInto sessions { nodes { id } } } }"
BY = "query($t: IdentityType!, $v: String!) { customerByIdentity(type: $t, value: $v) { id identified } }"


def pageview(event_id: str, path: str = "/") -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example{path}"}}


def identify(event_id: str, **traits) -> dict:
    return {"id": event_id, "type": "identify", "traits": traits}


async def by_identity(service: Service, kind: str, value: str) -> dict | None:
    return (await service.data(BY, {"t": kind, "v": value}))["customerByIdentity"]


async def known_customer(service: Service, cookie: str, email: str) -> str:
    body = await service.collect([pageview(f"{cookie}-p"), identify(f"{cookie}-i", email=email)], cookie_id=cookie)
    return body["customerIds"][0]


async def test_identify_normalises_and_makes_the_visitor_identified(service: Service):
    body = await service.collect([pageview("1"), identify("2", email="  Ann.Lee@Example.COM ",
                                                           phone="+44 20 7946 0000", plan="gold")])
    customer = body["customerIds"][0]
    found = await by_identity(service, "EMAIL", "ann.lee@example.com")
    assert found == {"id": customer, "identified": True}
    assert (await by_identity(service, "PHONE", "+442079460000"))["id"] == customer
    data = await service.data("query($id: ID!) { customer(id: $id) { identities { type value } traits } }",
                              {"id": customer})
    kinds = {(i["type"], i["value"]) for i in data["customer"]["identities"]}
    assert kinds == {("COOKIE", "c-1"), ("EMAIL", "ann.lee@example.com"), ("PHONE", "+442079460000")}
    assert data["customer"]["traits"]["plan"] == "gold"


async def test_identified_event_appears_on_the_map_without_the_values(service: Service):
    body = await service.collect([pageview("1"), identify("2", email="a@shop.example")])
    data = await service.data("query($s: ID!) { session(id: $s) { journey { nodes { kind icon attributes } } } }",
                              {"s": body["sessionIds"][0]})
    item = data["session"]["journey"]["nodes"][-1]
    assert item == {"kind": "IDENTIFIED", "icon": "identified", "attributes": {"identifiedBy": ["EMAIL"]}}


@pytest.mark.parametrize(
    ("traits", "reason"),
    [
        ({"email": "null"}, "events[0].traits.email: 'null' is a placeholder"),
        ({"email": "undefined"}, "events[0].traits.email: 'undefined' is a placeholder"),
        ({"email": "not-an-email"}, "events[0].traits.email:"),
        ({"phone": "12345"}, "events[0].traits.phone:"),
        ({"externalId": "anonymous"}, "events[0].traits.externalId: 'anonymous' is a placeholder"),
        ({"name": "Ann"}, "events[0].traits: must carry an email, phone or externalId"),
        ({"email": 42}, "events[0].traits.email: must be a string"),
    ],
)
async def test_junk_identities_are_rejected_with_a_reason(service: Service, traits, reason):
    body = await service.collect([identify("x", **traits)])
    assert body["events"][0]["status"] == "rejected"
    assert body["events"][0]["reason"].startswith(reason)


async def test_junk_cookie_id_is_refused(service: Service):
    response = await service.http.post("/collect", json={"deploymentId": "default", "cookieId": "undefined",
                                                         "events": [pageview("1")]})
    body = response.json()
    assert body["events"][0]["status"] == "rejected"
    assert body["events"][0]["reason"].startswith("cookieId: 'undefined' is a placeholder")


async def test_identifying_as_a_known_customer_stitches_every_earlier_session(service: Service):
    known = await known_customer(service, "laptop", "kim@shop.example")
    service.clock.advance(minutes=5)
    first = await service.collect([pageview("1")], cookie_id="phone")
    service.clock.advance(minutes=40)
    second = await service.collect([pageview("2"), identify("3", email="KIM@shop.example")], cookie_id="phone")
    anonymous = first["customerIds"][0]
    assert second["customerIds"] == [known]
    cards = (await service.data(CARDS, {"id": known}))["customer"]
    ids = [n["id"] for n in cards["sessions"]["nodes"]]
    assert ids[:2] == [second["sessionIds"][0], first["sessionIds"][0]]
    assert len(ids) == 3
    assert (await by_identity(service, "COOKIE", "phone"))["id"] == known
    assert (await service.data(CARDS, {"id": anonymous}))["customer"]["mergedInto"] == known


async def test_later_events_from_the_stitched_browser_go_to_the_known_customer(service: Service):
    known = await known_customer(service, "laptop", "kim@shop.example")
    await service.collect([pageview("1"), identify("2", email="kim@shop.example")], cookie_id="tablet")
    later = await service.collect([pageview("3")], cookie_id="tablet")
    assert later["customerIds"] == [known]


async def test_summary_reflects_the_stitched_customer(service: Service):
    known = await known_customer(service, "laptop", "kim@shop.example")
    service.clock.advance(minutes=40)
    await service.collect([pageview("1"), pageview("2"), pageview("3"), identify("4", email="kim@shop.example")],
                          cookie_id="phone")
    data = await service.data("query($id: ID!) { customer(id: $id) { summary { status pageviewsThisSession } } }",
                              {"id": known})
    assert data["customer"]["summary"] == {"status": "ACTIVE", "pageviewsThisSession": 3}


async def test_card_subscribers_of_both_customers_learn_of_the_stitch(service: Service):
    known = await known_customer(service, "laptop", "kim@shop.example")
    anonymous = (await service.collect([pageview("1")], cookie_id="phone"))["customerIds"][0]
    sub = "subscription($c: ID!) { sessionCards(customerId: $c) { kind session { id customer { id } } } }"
    async with service.socket() as socket:
        to_known = await socket.subscribe(sub, {"c": known})
        to_anonymous = await socket.subscribe(sub, {"c": anonymous})
        await service.until_listening(topics.cards(known))
        await service.until_listening(topics.cards(anonymous))
        await service.collect([identify("2", email="kim@shop.example")], cookie_id="phone")
        seen_by_anonymous = [(await socket.next(to_anonymous))["sessionCards"] for _ in range(2)]
        assert {c["kind"] for c in seen_by_anonymous} >= {"MOVED"}
        moved = next(c for c in seen_by_anonymous if c["kind"] == "MOVED")
        assert moved["session"]["customer"]["id"] == known
        gained = (await socket.next(to_known))["sessionCards"]
        assert gained["kind"] == "MOVED" and gained["session"]["customer"]["id"] == known


async def test_no_match_makes_the_anonymous_customer_identified(service: Service):
    body = await service.collect([pageview("1"), identify("2", externalId="crm-77")], cookie_id="new")
    assert (await by_identity(service, "EXTERNAL_ID", "crm-77")) == {"id": body["customerIds"][0], "identified": True}


async def test_two_identified_customers_are_never_merged_silently(service: Service):
    ann = await known_customer(service, "ann-laptop", "ann@shop.example")
    bob = await known_customer(service, "bob-laptop", "bob@shop.example")
    await service.collect([identify("again", email="bob@shop.example")], cookie_id="ann-laptop")
    assert (await by_identity(service, "EMAIL", "ann@shop.example"))["id"] == ann
    assert (await by_identity(service, "EMAIL", "bob@shop.example"))["id"] == bob
    assert (await by_identity(service, "COOKIE", "ann-laptop"))["id"] == ann
    conflicts = await service.services.db.db.identity_conflicts.find({}).to_list()
    assert [(c["customerId"], c["otherCustomerId"]) for c in conflicts] == [(ann, bob)]


async def test_concurrent_identifies_of_one_email_make_one_customer(service: Service):
    for cookie in ("x", "y"):
        await service.collect([pageview(f"{cookie}0")], cookie_id=cookie)
    await asyncio.gather(*(
        service.collect([identify(f"{cookie}1", email="same@shop.example")], cookie_id=cookie)
        for cookie in ("x", "y")
    ))
    owner = (await by_identity(service, "EMAIL", "same@shop.example"))["id"]
    assert (await by_identity(service, "COOKIE", "x"))["id"] == owner
    assert (await by_identity(service, "COOKIE", "y"))["id"] == owner
    assert await service.services.db.identities.count_documents({"type": "EMAIL"}) == 1


async def test_logout_starts_a_new_anonymous_customer_with_a_new_map(service: Service):
    before = await service.collect([pageview("1"), identify("2", email="lee@shop.example"),
                                    {"id": "3", "type": "logout"}, pageview("4", "/after")], cookie_id="shared")
    customer = (await by_identity(service, "EMAIL", "lee@shop.example"))["id"]
    sessions = await service.data("query($ids: [ID!]!) { sessions(ids: $ids) { id status customer { id } "
                                  "journey { nodes { name } } } }", {"ids": before["sessionIds"]})
    old, new = sorted(sessions["sessions"], key=lambda s: s["customer"]["id"] != customer)
    assert old["status"] == "INACTIVE"
    assert [n["name"] for n in old["journey"]["nodes"]] == ["pageview", "identify", "logout"]
    assert new["customer"]["id"] != customer
    assert [n["name"] for n in new["journey"]["nodes"]] == ["pageview"]


async def test_old_cookie_after_logout_never_reaches_the_logged_out_customer(service: Service):
    await service.collect([identify("1", email="lee@shop.example"), {"id": "2", "type": "logout"}], cookie_id="old")
    customer = (await by_identity(service, "EMAIL", "lee@shop.example"))["id"]
    later = await service.collect([pageview("3")], cookie_id="old")
    assert later["customerIds"] != [customer]
    repeat = await service.collect([{"id": "2", "type": "logout"}], cookie_id="old")
    assert repeat["events"][0]["status"] == "duplicate"
    again = await service.collect([pageview("4")], cookie_id="old")
    assert again["customerIds"] == later["customerIds"]


async def test_admin_merge_and_split(service: Service):
    ann = await known_customer(service, "a", "ann@shop.example")
    bob = await known_customer(service, "b", "bob@shop.example")
    merged = await service.data("mutation($s: ID!, $t: ID!) { mergeCustomers(sourceId: $s, targetId: $t) "
                                "{ id sessions { nodes { id } } } }", {"s": bob, "t": ann})
    assert len(merged["mergeCustomers"]["sessions"]["nodes"]) == 2
    assert (await by_identity(service, "EMAIL", "bob@shop.example"))["id"] == ann
    split = await service.data("mutation($c: ID!) { splitCustomer(customerId: $c) { id mergedInto "
                               "sessions { nodes { id } } } }", {"c": bob})
    assert split["splitCustomer"]["mergedInto"] is None
    assert len(split["splitCustomer"]["sessions"]["nodes"]) == 1
    assert (await by_identity(service, "EMAIL", "bob@shop.example"))["id"] == bob
    ann_cards = (await service.data(CARDS, {"id": ann}))["customer"]["sessions"]["nodes"]
    assert len(ann_cards) == 1


async def test_merge_mistakes_are_named(service: Service):
    ann = await known_customer(service, "a", "ann@shop.example")
    answer = await service.graphql('mutation($s: ID!) { mergeCustomers(sourceId: $s, targetId: "nope") { id } }',
                                   {"s": ann})
    assert answer["errors"][0]["message"] == "targetId: no such customer"
    answer = await service.graphql("mutation($s: ID!) { splitCustomer(customerId: $s) { id } }", {"s": ann})
    assert answer["errors"][0]["message"] == "customerId: was not merged into another customer"


async def test_identify_customer_mutation(service: Service):
    customer = (await service.collect([pageview("1")], cookie_id="m"))["customerIds"][0]
    data = await service.data('mutation($c: ID!) { identifyCustomer(input: {customerId: $c, phone: "+1 650 253 0000"}) '
                              "{ id identified identities { type value } } }", {"c": customer})
    assert data["identifyCustomer"]["identified"] is True
    assert {"type": "PHONE", "value": "+16502530000"} in data["identifyCustomer"]["identities"]
    answer = await service.graphql('mutation($c: ID!) { identifyCustomer(input: {customerId: $c, email: "null"}) '
                                   "{ id } }", {"c": customer})
    assert answer["errors"][0]["message"].startswith("input.email: 'null' is a placeholder")


async def test_identify_through_track_events(service: Service):
    data = await service.data('mutation { trackEvents(deploymentId: "default", events: [{id: "1", type: IDENTIFY, '
                              'cookieId: "srv", traits: {email: "srv@shop.example"}}]) { accepted } }')
    assert data["trackEvents"]["accepted"] == 1
    assert (await by_identity(service, "EMAIL", "srv@shop.example"))["identified"] is True


async def test_export_returns_all_of_a_customers_data(service: Service):
    customer = await known_customer(service, "e", "exp@shop.example")
    data = (await service.data("query($c: ID!) { exportCustomer(id: $c) }", {"c": customer}))["exportCustomer"]
    assert data["customer"]["_id"] == customer
    assert {i["type"] for i in data["identities"]} == {"COOKIE", "EMAIL"}
    assert len(data["sessions"]) == 1 and len(data["events"]) == 2
    assert all("identify" not in event for event in data["events"])


async def test_erase_removes_everything_and_tells_subscribers(service: Service):
    customer = await known_customer(service, "gone", "gone@shop.example")
    async with service.socket() as socket:
        op = await socket.subscribe("subscription($c: ID!) { sessionCards(customerId: $c) { kind } }",
                                    {"c": customer})
        await service.until_listening(topics.cards(customer))
        removed = await service.data("mutation($c: ID!) { eraseCustomer(id: $c) }", {"c": customer})
        assert removed == {"eraseCustomer": 1}
        assert (await socket.next(op))["sessionCards"]["kind"] == "REMOVED"
    assert (await service.data(CARDS, {"id": customer}))["customer"] is None
    assert await by_identity(service, "EMAIL", "gone@shop.example") is None
    db = service.services.db
    assert await db.events.count_documents({"customerId": customer}) == 0
    assert await db.sessions.count_documents({"customerId": customer}) == 0


@pytest.mark.slow
async def test_stitching_cost_does_not_grow_with_earlier_sessions(start):
    service = await start(sweep_interval_seconds=3600)
    await known_customer(service, "laptop", "kim@shop.example")
    counts = {}
    for sessions in (2, 20):
        cookie = f"many-{sessions}"
        for n in range(sessions):
            await service.collect([pageview(f"{n}")], cookie_id=cookie)
            service.clock.advance(minutes=31)
        await service.collect([pageview("last")], cookie_id=cookie)
        service.commands.reset()
        await service.collect([identify("id", email="kim@shop.example")], cookie_id=cookie)
        counts[sessions] = service.commands.count
    print(f"round trips for an identify that stitches a customer with 2 / 20 earlier sessions: {counts}")
    assert counts[2] == counts[20]


async def test_identifying_marks_the_session_authenticated_for_segments(service: Service):
    await create_segment(service, "Logged in", condition("authenticated", "EQUAL", "true"))
    body = await service.collect([pageview("1")], cookie_id="auth")
    session = body["sessionIds"][0]
    assert await matched(service, session) == []
    await service.collect([identify("2", email="auth@shop.example")], cookie_id="auth")
    await service.collect([pageview("3")], cookie_id="auth")
    data = await service.data("query($s: ID!) { session(id: $s) { context { authenticated } } }", {"s": session})
    assert data["session"]["context"]["authenticated"] is True
    assert await matched(service, session) == ["Logged in"]


async def test_stitched_customer_keeps_the_visitors_customer_segments_and_traits(service: Service):
    known = await known_customer(service, "laptop", "kim@shop.example")
    await create_segment(service, "Searcher", condition("eventName", "EQUAL", "search"), scope="CUSTOMER")
    service.clock.advance(minutes=1)
    await service.collect([{"id": "s", "type": "search", "query": "boots"}], cookie_id="phone")
    await service.collect([identify("i", email="kim@shop.example")], cookie_id="phone")
    data = await service.data("query($c: ID!) { customer(id: $c) { segments { segment { name } } } }", {"c": known})
    assert [s["segment"]["name"] for s in data["customer"]["segments"]] == ["Searcher"]


async def test_live_visitors_see_the_visitor_identified_by_the_end_of_the_batch(service: Service):
    await service.collect([pageview("1")], cookie_id="live")
    sub = "subscription { liveVisitors { kind session { customer { identified traits } } } }"
    async with service.socket() as socket:
        op = await socket.subscribe(sub)
        await service.until_listening(topics.LIVE_VISITORS)
        await service.collect([pageview("2"), identify("3", email="ada@shop.example", name="Ada")], cookie_id="live")
        pushes = [(await socket.next(op))["liveVisitors"] for _ in range(2)]
        await socket.nothing(op)
        last = pushes[-1]["session"]["customer"]
        assert last["identified"] is True and last["traits"]["name"] == "Ada"
