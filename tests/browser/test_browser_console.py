"""The agent console, watching the demo shop as a customer browses it (S5, S10, S12, B10)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.pages import Console, Shop

BLUE = "rgb(21, 101, 192)"
GRAY = "rgb(138, 143, 152)"


async def border_colour(locator) -> str:
    return await locator.evaluate("element => getComputedStyle(element).borderLeftColor")


async def test_a_new_visitor_appears_in_live_now(console: Console, shop: Shop):
    await console.open()
    await expect(console.visitors).to_have_count(0)

    await shop.visit("index.html")

    await expect(console.visitors).to_have_count(1)
    visitor = console.visitors.first
    await expect(visitor.get_by_test_id("visitor-last-page")).to_have_text("Home · Demo shop")
    await expect(visitor.get_by_test_id("pageview-count")).to_have_text("1")
    await expect(visitor.get_by_test_id("time-on-site")).to_have_text(re.compile(r"^\d+ s$|^\d+ min \d+ s$"))

    await shop.page.get_by_role("link", name="Products").first.click()
    await expect(visitor.get_by_test_id("pageview-count")).to_have_text("2")
    await expect(visitor.get_by_test_id("visitor-last-page")).to_have_text("Products · Demo shop")


async def test_the_card_and_its_map_grow_as_the_customer_browses(console: Console, shop: Shop):
    await shop.visit("index.html")
    await console.open()
    await console.open_visitor()
    card = console.cards.first
    await expect(card).to_have_attribute("data-status", "ACTIVE")
    assert await border_colour(card) == BLUE
    await console.expand(card)
    items = card.get_by_test_id("journey-item")
    await expect(items).to_have_count(1)

    await shop.page.get_by_role("link", name="Products").first.click()
    await shop.page.get_by_role("link", name="Red running shoes").click()
    await shop.page.get_by_role("button", name="Add to cart").click()

    await expect(card.get_by_test_id("pageview-count")).to_have_text("3")
    await expect(console.page.get_by_test_id("summary-pageviews")).to_have_text("3")
    await expect(items).to_have_count(4)
    kinds = [await item.get_attribute("data-kind") for item in await items.all()]
    assert kinds == ["PAGEVIEW", "PAGEVIEW", "PAGEVIEW", "CUSTOM"]
    await expect(items.last).to_contain_text("add to cart")
    await expect(items.last).to_contain_text("sku: A1")
    await expect(items.first.locator("[data-icon=pageview] svg")).to_be_visible()


async def test_a_search_shows_on_the_map_and_in_the_searches_list(console: Console, shop: Shop):
    await shop.visit("index.html")
    await console.open()
    await console.open_visitor()
    card = console.cards.first
    await console.expand(card)
    await expect(card.get_by_test_id("searches")).to_have_count(0)  # nothing searched, no list

    await shop.page.get_by_test_id("search-box").fill("red shoes")
    await shop.page.get_by_test_id("search-box").press("Enter")
    await shop.page.get_by_test_id("search-box").fill("socks")
    await shop.page.get_by_test_id("search-box").press("Enter")

    items = card.get_by_test_id("journey-item")
    await expect(items).to_have_count(5)  # home, then a page view and its search, twice
    kinds = [await item.get_attribute("data-kind") for item in await items.all()]
    assert kinds == ["PAGEVIEW", "PAGEVIEW", "SEARCH", "PAGEVIEW", "SEARCH"]
    await expect(card.get_by_test_id("map-search-term")).to_have_text(["red shoes", "socks"])
    await expect(card.get_by_test_id("search-term")).to_have_text(["red shoes", "socks"])
    await console.screenshot("console-journey-map")


async def test_the_card_turns_gray_after_thirty_idle_minutes(console: Console, shop: Shop):
    await shop.visit("index.html")
    await console.open()
    await console.open_visitor()
    card = console.cards.first
    await expect(card).to_have_attribute("data-status", "ACTIVE")
    await expect(console.visitors).to_have_count(1)
    await shop.delivered()

    shop.service.clock.advance(minutes=31)

    await expect(card).to_have_attribute("data-status", "INACTIVE")
    await expect(card.get_by_test_id("card-status")).to_have_text("Inactive")
    assert await border_colour(card) == GRAY
    await expect(console.page.get_by_test_id("customer-status")).to_have_text("Inactive")
    await expect(console.visitors).to_have_count(0)  # gone from Live Now
    await console.screenshot("console-inactive-card")


async def test_several_cards_stay_expanded_and_the_newest_comes_first(console: Console, shop: Shop):
    await shop.page.clock.install()  # the shopper's clock moves with the service's below
    await shop.visit("index.html")
    await shop.delivered()
    await shop.page.clock.set_system_time(shop.service.clock.advance(minutes=31))
    await console.open()
    await shop.visit("products.html")  # after the gap: a second session
    await console.open_visitor()
    await expect(console.cards).to_have_count(2)
    newest, older = console.cards.nth(0), console.cards.nth(1)
    await expect(newest).to_have_attribute("data-status", "ACTIVE")
    await expect(older).to_have_attribute("data-status", "INACTIVE")

    await console.expand(newest)
    await console.expand(older)

    await expect(newest.get_by_test_id("journey-item")).to_contain_text(["Products · Demo shop"])
    await expect(older.get_by_test_id("journey-item")).to_contain_text(["Home · Demo shop"])
    await expect(console.page.locator("[data-testid=session-card][data-expanded=true]")).to_have_count(2)
    await console.screenshot("console-two-sessions")


async def test_an_erased_customer_disappears_from_the_console(console: Console, shop: Shop):
    await shop.visit("index.html")
    await shop.delivered()
    customer_id = (await shop.stored())["id"]
    await console.open(customer_id)
    await expect(console.cards).to_have_count(1)
    await expect(console.visitors).to_have_count(1)

    await shop.service.data("mutation($id: ID!) { eraseCustomer(id: $id) }", {"id": customer_id})

    await expect(console.cards).to_have_count(0)
    await expect(console.visitors).to_have_count(0)


async def test_when_a_merge_moves_the_sessions_the_view_follows_them(console: Console, shop: Shop):
    known = await shop.service.collect(
        [{"id": "k-1", "type": "pageview", "page": {"url": "https://shop.example/account"}}], cookie_id="c-known")
    known_id = known["customerIds"][0]
    await shop.visit("index.html")
    await shop.delivered()
    visitor_id = (await shop.stored())["id"]
    await console.open(visitor_id)
    await expect(console.cards).to_have_count(1)

    await shop.service.data(
        "mutation($source: ID!, $target: ID!) { mergeCustomers(sourceId: $source, targetId: $target) { id } }",
        {"source": visitor_id, "target": known_id})

    await expect(console.page.get_by_test_id("customer-view")).to_have_attribute("data-customer-id", known_id)
    await expect(console.cards).to_have_count(2)
