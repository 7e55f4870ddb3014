"""The tracking snippet in a real browser: what it sends, and that nothing is lost or
stored twice when the service is unreachable (B1, S7)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

from playwright.async_api import Route

from tests.browser.pages import Shop, eventually
from tests.browser.relay import Relay
from tests.support.service import Service

SNIPPET_STUB = """<script>
  window.journey = window.journey || function () { (journey.q = journey.q || []).push(arguments); };
  journey('init', %s);
</script>
<script async src="/sdk/journey.js"></script>"""


async def serve_page(shop: Shop, name: str, html: str) -> None:
    """A page of the shop's origin that exists only in this test."""
    async def fulfil(route: Route) -> None:
        await route.fulfill(body=html, content_type="text/html")

    await shop.page.route(f"**/demo/{name}*", fulfil)


def only_session(stored: dict) -> dict:
    [session] = stored["sessions"]["nodes"]
    return session


async def test_events_go_in_batches_and_each_is_stored_once(shop: Shop):
    await shop.visit("product.html?sku=B1")
    for _ in range(5):
        await shop.page.get_by_role("button", name="Add to cart").click()
    await shop.delivered()

    cookie_id = await shop.cookie_id()
    assert len(shop.traffic.batches) <= 2  # six events within a second travel together
    for batch in shop.traffic.batches:
        assert set(batch) == {"deploymentId", "cookieId", "events"}
        assert (batch["deploymentId"], batch["cookieId"]) == ("default", cookie_id)
    events = shop.traffic.events
    assert [event["type"] for event in events] == ["pageview"] + ["custom"] * 5
    assert len({event["id"] for event in events}) == 6
    assert all(shop.traffic.statuses(event["id"]) == ["accepted"] for event in events)
    pageview = events[0]
    assert set(pageview) == {"id", "type", "occurredAt", "page"}  # no referrer: typed-in address
    assert pageview["page"] == {"url": shop.url + "product.html?sku=B1", "title": "Product · Demo shop"}
    assert (events[1]["name"], events[1]["attributes"], events[1]["icon"]) == ("add_to_cart", {"sku": "B1"}, "cart")
    session = only_session(await shop.stored())
    assert (session["eventCount"], session["pageviewCount"]) == (6, 1)


async def test_twenty_waiting_events_are_sent_at_once(shop: Shop):
    await shop.visit("index.html")
    await shop.page.evaluate("for (let n = 0; n < 24; n++) journey('record', 'tick', {n})")
    await shop.delivered()
    assert [len(batch["events"]) for batch in shop.traffic.batches] == [20, 5]
    assert only_session(await shop.stored())["eventCount"] == 25


async def send_events_through(shop: Shop, relay: Relay) -> None:
    """The demo pages as they are, with the snippet's endpoint set to the relay: a stub
    installed before the page's own one adds the endpoint to the page's init call."""
    await shop.page.context.add_init_script(f"""
        window.journey = function (command, options) {{
            if (command === 'init') arguments[1] = Object.assign({{}}, options, {{endpoint: '{relay.url}/collect'}});
            (journey.q = journey.q || []).push(arguments);
        }};
    """)


async def test_a_service_outage_across_reloads_loses_nothing_and_stores_nothing_twice(
    separate_shop: Shop, relay: Relay, service: Service
):
    shop = separate_shop
    await send_events_through(shop, relay)
    await shop.visit("index.html")
    await shop.delivered()

    await relay.cut()
    await service.shut_down()
    await shop.visit("products.html")
    await shop.page.reload()
    await shop.visit("product.html?sku=A2")
    await shop.page.get_by_role("button", name="Add to cart").click()
    await eventually(lambda: shop.tried(5))
    assert len(await shop.queued()) == 4  # waiting in the browser while the service is down

    await service.start_again()
    await relay.restore()
    await shop.visit("index.html")  # the next page sends what earlier pages could not
    await shop.delivered()

    session = only_session(await shop.stored())
    assert [item["page"]["url"].removeprefix(shop.url) if item["page"] else item["name"]
            for item in session["journey"]["nodes"]] == [
        "index.html", "products.html", "products.html", "product.html?sku=A2", "add_to_cart", "index.html"]
    sent = shop.traffic.events
    assert len(sent) > 6  # the backlog went more than once (beacon on leaving, then fetch)...
    assert len({event["id"] for event in sent}) == session["eventCount"] == 6  # ...always with the same ids
    accepted = [receipt["id"] for receipt in shop.traffic.receipts if receipt["status"] == "accepted"]
    assert len(accepted) == len(set(accepted))


async def test_an_open_page_sends_its_backlog_when_the_service_returns(shop: Shop, relay: Relay):
    await send_events_through(shop, relay)
    await shop.visit("product.html?sku=C1")
    await shop.delivered()
    await relay.cut()
    for _ in range(3):
        await shop.page.get_by_role("button", name="Add to cart").click()
    await eventually(lambda: shop.tried(4))  # and failed: nothing listens

    await relay.restore()
    await shop.delivered()
    session = only_session(await shop.stored())
    assert session["eventCount"] == 4
    assert [item["name"] for item in session["journey"]["nodes"]] == ["pageview"] + ["add_to_cart"] * 3


async def test_an_answer_lost_on_the_way_back_is_retried_and_stored_once(shop: Shop):
    lost: list[str] = []

    async def lose_first_answer(route: Route) -> None:
        response = await route.fetch()  # the service stores the batch...
        if not lost:
            lost.append(route.request.post_data or "")
            await route.fulfill(status=503, body="")  # ...but the browser never learns it
        else:
            await route.fulfill(response=response)

    await shop.page.context.route("**/collect", lose_first_answer)
    await shop.visit("index.html")
    await shop.delivered()

    [pageview] = json.loads(lost[0])["events"]
    assert shop.traffic.statuses(pageview["id"]) == ["duplicate"]
    assert only_session(await shop.stored())["eventCount"] == 1


async def test_retry_after_is_honoured(shop: Shop):
    attempts: list[float] = []
    loop = asyncio.get_running_loop()

    async def busy_once(route: Route) -> None:
        attempts.append(loop.time())
        if len(attempts) == 1:
            await route.fulfill(status=429, headers={"Retry-After": "2"}, json={"error": "rate limit"})
        else:
            await route.continue_()

    await shop.page.context.route("**/collect", busy_once)
    await shop.visit("index.html")
    await shop.delivered()
    assert attempts[1] - attempts[0] >= 1.9


async def test_history_changes_are_page_views(shop: Shop):
    await shop.visit("index.html")
    await shop.page.evaluate("history.pushState({}, '', 'products.html?view=grid')")
    await shop.page.evaluate("history.replaceState({step: 2}, '', 'products.html?view=grid')")  # same URL
    await shop.page.go_back()
    await shop.delivered()

    pageviews = [event for event in shop.traffic.events if event["type"] == "pageview"]
    assert [event["page"]["url"].removeprefix(shop.url) for event in pageviews] == [
        "index.html", "products.html?view=grid", "index.html"]
    assert pageviews[1]["referrer"] == shop.url + "index.html"
    assert only_session(await shop.stored())["pageviewCount"] == 3


async def test_a_submitted_form_sends_only_its_allowed_fields(shop: Shop):
    await shop.visit("signin.html")
    await shop.page.get_by_label("Name").fill("Ada")
    await shop.page.get_by_label("Email").fill("ada@example.com")
    await shop.page.get_by_label("Password").fill("hunter2-secret")
    await shop.page.get_by_role("button", name="Sign in").click()
    await shop.page.wait_for_url("**/index.html")
    await shop.delivered()

    submitted = [event for event in shop.traffic.events if event["type"] == "form_submitted"]
    assert [(event["formName"], event["fields"]) for event in submitted] == [("signin", {"email": "ada@example.com"})]
    [identify] = [event for event in shop.traffic.events if event["type"] == "identify"]
    assert identify["traits"] == {"name": "Ada", "email": "ada@example.com"}
    assert "hunter2" not in json.dumps(shop.traffic.batches)


async def test_a_form_typed_in_and_left_is_abandoned(shop: Shop):
    await shop.visit("signin.html")
    await shop.page.get_by_label("Email").fill("ada@example.com")
    await shop.page.get_by_label("Password").fill("hunter2-secret")
    await shop.page.get_by_role("link", name="Products").first.click()
    await shop.page.wait_for_url("**/products.html")
    await shop.delivered()

    abandoned = {json.dumps(event) for event in shop.traffic.events if event["type"] == "form_abandoned"}
    assert [json.loads(event)["fields"] for event in abandoned] == [{"email": "ada@example.com"}]
    assert "hunter2" not in json.dumps(shop.traffic.batches)
    kinds = [item["kind"] for item in only_session(await shop.stored())["journey"]["nodes"]]
    assert kinds == ["PAGEVIEW", "FORM_ABANDONED", "PAGEVIEW"]


async def test_withdrawn_consent_stops_tracking_and_drops_the_queue(shop: Shop):
    await shop.visit("index.html")
    await shop.page.evaluate("journey('record', 'before_opt_out', {}); journey('consent', false)")
    assert await shop.queued() == []
    assert "jg_id" not in {cookie["name"] for cookie in await shop.page.context.cookies()}

    await shop.visit("products.html")  # the choice is remembered
    await asyncio.sleep(1.5)  # longer than the snippet waits before sending
    assert "before_opt_out" not in [event.get("name") for event in shop.traffic.events]
    assert "products.html" not in json.dumps(shop.traffic.batches)

    await shop.page.evaluate("journey('consent', true)")
    await shop.delivered()
    assert shop.traffic.events[-1]["page"]["url"] == shop.url + "products.html"


async def test_logout_sends_the_old_id_then_continues_with_a_new_one(shop: Shop):
    await shop.visit("index.html")
    before = await shop.cookie_id()
    await shop.page.get_by_role("link", name="Log out").click()
    await shop.page.wait_for_load_state()
    await shop.page.wait_for_function("window.journey && window.journey.loaded")
    await shop.delivered()

    after = await shop.cookie_id()
    assert after != before
    assert await shop.page.evaluate("localStorage.getItem('jg_id')") == after
    sent = [(batch["cookieId"], event["type"]) for batch in shop.traffic.batches for event in batch["events"]]
    assert sent[0] == (before, "pageview")
    assert (before, "logout") in sent
    assert sent[-1] == (after, "pageview")
    assert all(cookie == after for cookie, _ in sent[sent.index((before, "logout")) + 1:])


async def test_search_parameters_named_at_init_record_searches(shop: Shop):
    await serve_page(shop, "catalogue.html", "<!doctype html><title>Catalogue</title>"
                     + SNIPPET_STUB % "{deploymentId: 'default', searchParams: ['term']}")
    await shop.visit("catalogue.html?term=wool+socks")
    await shop.delivered()
    assert [event["type"] for event in shop.traffic.events] == ["pageview", "search"]
    assert only_session(await shop.stored())["searches"] == [{"query": "wool socks"}]


async def test_only_pages_carrying_the_snippet_are_tracked(shop: Shop):
    await serve_page(shop, "untracked.html", "<!doctype html><title>Untracked</title><a href='index.html'>Shop</a>")
    await shop.visit("index.html")
    await shop.page.goto(shop.url + "untracked.html")
    await shop.page.get_by_role("link", name="Shop").click()
    await shop.page.wait_for_function("window.journey && window.journey.loaded")
    await shop.delivered()
    urls = [item["page"]["url"] for item in only_session(await shop.stored())["journey"]["nodes"]]
    assert urls == [shop.url + "index.html", shop.url + "index.html"]


async def test_identify_passes_the_sites_signatures(shop: Shop, service: Service):
    secret = (await service.data('mutation { rotateIdentitySecret(deploymentId: "default") { secret } }'))[
        "rotateIdentitySecret"]["secret"]
    await service.data('mutation { saveDeployment(input: {id: "default", allowedOrigins: ["*"], '
                       'identityVerification: REQUIRED}) { id } }')
    signature = hmac.new(secret.encode(), b"ada@example.com", hashlib.sha256).hexdigest()
    await shop.visit("index.html")
    await shop.page.evaluate("(s) => { journey('identify', {email: 'eve@example.com'}); "
                             "journey('identify', {email: 'ada@example.com', signatures: {email: s}}); }", signature)
    await shop.delivered()
    unsigned, signed = [event for event in shop.traffic.events if event["type"] == "identify"]
    assert "signatures" not in unsigned
    assert signed["signatures"] == {"email": signature}
    assert (shop.traffic.statuses(unsigned["id"]), shop.traffic.statuses(signed["id"])) == (["rejected"], ["accepted"])
    customer = await service.data('{ customerByIdentity(type: EMAIL, value: "ada@example.com") '
                                  '{ identities { type verified } } }')
    assert {"type": "EMAIL", "verified": True} in customer["customerByIdentity"]["identities"]
