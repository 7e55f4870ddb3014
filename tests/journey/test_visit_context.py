"""Enrichment at ingest: the visit context a session starts with, through the real service."""

from __future__ import annotations

import pytest

from tests.support.service import Service

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
CONTEXT = """query($id: ID!) { session(id: $id) { context {
    browser { family version lang } device { category osFamily osVersion }
    geolocation { country countryName region locality } referrer { url hostname medium }
    campaign { source medium name term content } userAgent authenticated } } }"""
TRACK = """mutation($events: [TrackEventInput!]!) {
    trackEvents(deploymentId: "default", events: $events) { sessionIds customerIds } }"""


def pageview(event_id: str, url: str = "https://shop.example/", **extra) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": url, "title": "Shop"}, **extra}


async def context_of(service: Service, session_id: str) -> dict:
    return (await service.data(CONTEXT, {"id": session_id}))["session"]["context"]


async def collect_from(service: Service, events: list[dict], *, headers: dict, cookie_id: str = "c-1") -> dict:
    response = await service.http.post(
        "/collect",
        json={"deploymentId": "default", "cookieId": cookie_id, "events": events},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_collect_reads_browser_device_referrer_and_campaign(service: Service):
    body = await collect_from(
        service,
        [pageview("1", "https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=spring",
                  referrer="https://www.google.com/search?q=shoes")],
        headers={"User-Agent": CHROME_WINDOWS, "Accept-Language": "en-GB,en;q=0.8"},
    )
    assert await context_of(service, body["sessionIds"][0]) == {
        "browser": {"family": "Chrome", "version": "124.0", "lang": "en-GB"},
        "device": {"category": "desktop", "osFamily": "Windows", "osVersion": "10"},
        # The service connects from 127.0.0.1, which has no country.
        "geolocation": {"country": None, "countryName": None, "region": None, "locality": None},
        "referrer": {"url": "https://www.google.com/search?q=shoes", "hostname": "www.google.com", "medium": "paid"},
        "campaign": {"source": "google", "medium": "cpc", "name": "spring", "term": None, "content": None},
        "userAgent": CHROME_WINDOWS,
        "authenticated": False,
    }


async def test_track_events_passes_the_visitors_agent_and_address(service: Service):
    data = await service.data(TRACK, {"events": [{
        "id": "1", "type": "PAGEVIEW", "cookieId": "server-1", "page": {"url": "https://shop.example/"},
        "userAgent": SAFARI_IPHONE, "ip": "8.8.8.8",
    }]})
    context = await context_of(service, data["trackEvents"]["sessionIds"][0])
    assert context["device"] == {"category": "mobile", "osFamily": "iOS", "osVersion": "17.4"}
    assert context["browser"]["family"] == "Mobile Safari"
    # Offline data: the country only.
    assert context["geolocation"] == {"country": "US", "countryName": "United States", "region": None, "locality": None}


async def test_a_direct_visit_has_the_direct_medium(service: Service):
    body = await collect_from(service, [pageview("1")], headers={"User-Agent": CHROME_WINDOWS})
    referrer = (await context_of(service, body["sessionIds"][0]))["referrer"]
    assert referrer == {"url": None, "hostname": None, "medium": "direct"}


async def test_forwarded_for_is_honoured_from_a_trusted_proxy(start):
    service = await start(trusted_proxies=("127.0.0.1",))
    body = await collect_from(service, [pageview("1")], headers={"X-Forwarded-For": "8.8.8.8"})
    assert (await context_of(service, body["sessionIds"][0]))["geolocation"]["country"] == "US"


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(service: Service):
    body = await collect_from(service, [pageview("1")], headers={"X-Forwarded-For": "8.8.8.8"})
    assert (await context_of(service, body["sessionIds"][0]))["geolocation"]["country"] is None


@pytest.mark.parametrize(("anonymise", "stored"), [(True, "8.8.8.0"), (False, "8.8.8.8")])
async def test_stored_ip_is_anonymised_when_configured(start, anonymise, stored):
    service = await start(anonymise_ip=anonymise)
    data = await service.data(TRACK, {"events": [{
        "id": "1", "type": "PAGEVIEW", "cookieId": "ip", "page": {"url": "https://shop.example/"}, "ip": "8.8.8.8",
    }]})
    customer = data["trackEvents"]["customerIds"][0]
    export = (await service.data("query($id: ID!) { exportCustomer(id: $id) }", {"id": customer}))["exportCustomer"]
    context = export["sessions"][0]["context"]
    assert context["ip"] == stored
    assert context["geolocation"]["country"] == "US"  # located from the full address either way


async def test_excluded_query_params_are_never_stored(start):
    service = await start(excluded_query_params=("token", "email"))
    body = await service.collect([pageview(
        "1", "https://shop.example/p?id=7&token=secret&email=a%40b.example#top",
        referrer="https://mail.example/open?token=secret",
    )])
    data = await service.data(
        "query($id: ID!) { session(id: $id) { lastPage { url } journey { nodes { page { url } referrer } } } }",
        {"id": body["sessionIds"][0]},
    )
    session = data["session"]
    assert session["journey"]["nodes"] == [
        {"page": {"url": "https://shop.example/p?id=7#top"}, "referrer": "https://mail.example/open"}
    ]
    assert session["lastPage"] == {"url": "https://shop.example/p?id=7#top"}


async def test_an_excluded_search_parameter_records_no_search(start):
    service = await start(excluded_query_params=("q",))
    body = await service.collect([pageview("1", "https://shop.example/find?q=red+shoes")])
    data = await service.data(
        "query($id: ID!) { session(id: $id) { searches { query } journey { nodes { kind } } } }",
        {"id": body["sessionIds"][0]},
    )
    assert data["session"] == {"searches": [], "journey": {"nodes": [{"kind": "PAGEVIEW"}]}}


async def test_context_is_taken_once_as_the_session_starts(service: Service):
    first = await collect_from(service, [pageview("1")], headers={"User-Agent": CHROME_WINDOWS})
    await collect_from(service, [pageview("2")], headers={"User-Agent": SAFARI_IPHONE})
    assert (await context_of(service, first["sessionIds"][0]))["browser"]["family"] == "Chrome"


async def test_a_new_session_takes_a_new_context(service: Service):
    await collect_from(service, [pageview("1")], headers={"User-Agent": CHROME_WINDOWS})
    service.clock.advance(minutes=31)
    second = await collect_from(service, [pageview("2")], headers={"User-Agent": SAFARI_IPHONE})
    assert (await context_of(service, second["sessionIds"][0]))["browser"]["family"] == "Mobile Safari"


async def test_the_latest_visit_is_folded_into_customer_traits(service: Service):
    data = await service.data(TRACK, {"events": [{
        "id": "1", "type": "PAGEVIEW", "cookieId": "traits", "page": {"url": "https://shop.example/"},
        "userAgent": SAFARI_IPHONE, "ip": "8.8.8.8", "acceptLanguage": "fr-FR",
    }]})
    customer = await service.data(
        "query($id: ID!) { customer(id: $id) { traits } }", {"id": data["trackEvents"]["customerIds"][0]}
    )
    traits = customer["customer"]["traits"]
    assert traits["browser"] == {"family": "Mobile Safari", "version": "17.4", "lang": "fr-FR"}
    assert traits["device"]["category"] == "mobile"
    assert traits["geolocation"]["country"] == "US"
