"""What a journey map shows beyond pages and searches: matched segments in their colour,
engagement offers and answers, forms (S8, S11, S14)."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from tests.browser.pages import Console, Shop

CREATE_SEGMENT = """mutation($input: SegmentInput!) { createSegment(input: $input) { id } }"""
RECORD_ENGAGEMENT = """mutation($input: EngagementInput!) { recordEngagement(input: $input) { id } }"""
PINK = "rgb(233, 30, 99)"


async def open_first_card(console: Console, shop: Shop):
    await shop.visit("index.html")
    await console.open()
    await console.open_visitor()
    card = console.cards.first
    await console.expand(card)
    return card


async def test_a_matched_segment_shows_on_the_map_and_as_a_chip_in_its_colour(console: Console, shop: Shop):
    await shop.service.data(CREATE_SEGMENT, {"input": {
        "name": "Product browsers", "color": "#E91E63", "scope": "SESSION",
        "conditions": [{"field": "page.url", "operator": "CONTAINS_ANY", "values": ["products"]}]}})
    card = await open_first_card(console, shop)
    await expect(card.get_by_test_id("segment-chip")).to_have_count(0)

    await shop.page.get_by_role("link", name="Products").first.click()

    matched = card.locator("[data-testid=journey-item][data-kind=SEGMENT_MATCHED]")
    await expect(matched).to_contain_text("Segment matched: Product browsers")
    icon_colour = await matched.locator(".icon").evaluate("element => getComputedStyle(element).color")
    assert icon_colour == PINK
    chip = card.get_by_test_id("segment-chip")
    await expect(chip).to_have_text(["Product browsers"])
    assert await chip.evaluate("element => getComputedStyle(element).borderTopColor") == PINK


async def test_an_engagement_offer_and_its_answer_appear_live(console: Console, shop: Shop):
    card = await open_first_card(console, shop)
    session_id = await card.get_attribute("data-session-id")

    for state in ("offered", "accepted"):
        await shop.service.data(RECORD_ENGAGEMENT, {"input": {
            "sessionId": session_id, "engagementId": "chat-1", "mediaType": "webchat", "state": state}})

    actions = card.locator("[data-testid=journey-item][data-kind=WEB_ACTION]")
    await expect(actions).to_contain_text(["Web chat offered", "Web chat accepted"])
    assert [await icon.get_attribute("data-state") for icon in await actions.locator(".icon").all()] == [
        "offered", "accepted"]


async def test_a_submitted_form_shows_on_the_map(console: Console, shop: Shop):
    await shop.visit("signin.html")
    await console.open()
    await console.open_visitor()
    card = console.cards.first
    await console.expand(card)

    await shop.page.get_by_label("Email").fill("ada@example.com")
    await shop.page.get_by_label("Password").fill("hunter2-secret")
    await shop.page.get_by_role("button", name="Sign in").click()

    form = card.locator("[data-testid=journey-item][data-kind=FORM_SUBMITTED]")
    await expect(form).to_contain_text("Form submitted: signin")
    await expect(form.locator("[data-icon=form-submitted] svg")).to_be_visible()
    await expect(card).not_to_contain_text("hunter2")


async def test_a_whole_visit_reads_at_a_glance(console: Console, shop: Shop):
    """Everything together, as in the screenshot of the README."""
    await shop.service.data(CREATE_SEGMENT, {"input": {
        "name": "Shoe shoppers", "color": "#E91E63", "scope": "SESSION",
        "conditions": [{"field": "searchQuery", "operator": "CONTAINS_ANY", "values": ["shoes"]}]}})
    await shop.page.clock.install()  # the shopper's clock moves with the service's below
    await shop.visit("index.html")
    await shop.delivered()
    later = shop.service.clock.advance(minutes=31)
    await shop.page.clock.set_system_time(later)
    await console.page.clock.install(time=later)

    await shop.visit("index.html")  # a second visit: a new session
    await shop.page.get_by_test_id("search-box").fill("red shoes")
    await shop.page.get_by_test_id("search-box").press("Enter")
    await shop.page.get_by_role("link", name="Red running shoes").click()
    await shop.page.get_by_role("button", name="Add to cart").click()
    await console.open()
    await console.open_visitor()
    await expect(console.cards).to_have_count(2)
    newest, older = console.cards.nth(0), console.cards.nth(1)
    await console.expand(newest)
    for seconds, state in ((20, "offered"), (25, "accepted")):  # after the shopper's clicks
        await shop.service.data(RECORD_ENGAGEMENT, {"input": {
            "sessionId": await newest.get_attribute("data-session-id"), "engagementId": "chat-1",
            "mediaType": "webchat", "state": state,
            "occurredAt": (later + timedelta(seconds=seconds)).isoformat()}})

    await expect(older).to_have_attribute("data-status", "INACTIVE")
    await expect(newest).to_have_attribute("data-status", "ACTIVE")
    await expect(newest.get_by_test_id("segment-chip")).to_have_text(["Shoe shoppers"])
    await expect(newest.get_by_test_id("search-term")).to_have_text(["red shoes"])
    kinds = newest.get_by_test_id("journey-item")
    await expect(kinds).to_have_count(8)
    assert [await item.get_attribute("data-kind") for item in await kinds.all()] == [
        "PAGEVIEW", "PAGEVIEW", "SEARCH", "SEGMENT_MATCHED", "PAGEVIEW", "CUSTOM", "WEB_ACTION", "WEB_ACTION"]
    await expect(newest.locator("[data-icon=cart] svg")).to_be_visible()
    await console.screenshot("console-overview")
