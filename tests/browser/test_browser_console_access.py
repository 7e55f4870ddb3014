"""The console for keys that may read less than everything, and profiles as people read them."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.pages import Console, Shop

VISIT_ONLY_KEY = """mutation { createApiKey(input: {name: "wallboard", permissions: ["journey:visit:view"]}) {
  token } }"""


async def test_a_visit_only_key_sees_who_is_on_the_site_without_errors(console: Console, shop: Shop):
    token = (await shop.service.data(VISIT_ONLY_KEY))["createApiKey"]["token"]
    await console.page.goto(f"{console.service.base_url}/console/#token={token}")
    await expect(console.page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")
    await expect(console.page.get_by_test_id("no-customer-access")).to_be_visible()

    await shop.visit("index.html")  # arrives live
    await expect(console.visitors).to_have_count(1)
    await expect(console.visitors.first.get_by_test_id("visitor-last-page")).to_have_text("Home · Demo shop")
    await console.page.reload()  # and is listed
    await expect(console.visitors).to_have_count(1)
    await expect(console.visitors.first.get_by_test_id("pageview-count")).to_have_text("1")
    await expect(console.visitors.first.get_by_role("button")).to_be_disabled()
    await expect(console.page.get_by_test_id("error")).to_be_hidden()


async def test_a_profile_reads_as_words(console: Console, shop: Shop):
    await shop.visit("signin.html")
    await shop.page.get_by_label("Name").fill("Ada Lovelace")
    await shop.page.get_by_label("Email").fill("ada@example.com")
    await shop.page.get_by_label("Password").fill("hunter2-secret")
    await shop.page.get_by_role("button", name="Sign in").click()
    await shop.delivered()
    customer_id = (await shop.stored())["id"]

    await console.open(customer_id)
    profile = console.page.locator(".profile")
    await expect(profile.locator("dt")).to_contain_text(["Email", "Browser", "Language", "Device", "Name"])
    rows = {await dt.text_content(): await dt.evaluate("dt => dt.nextElementSibling.textContent")
            for dt in await profile.locator("dt").all()}
    assert re.fullmatch(r"(Headless)?Chrome \d+", rows["Browser"]), rows
    assert "English" in rows["Language"] and "en-" not in rows["Language"], rows
    assert rows["Device"].startswith("Desktop · "), rows
    await console.expand(console.cards.first)
    identified = console.page.locator("[data-testid=journey-item][data-kind=IDENTIFIED]")
    await expect(identified.locator(".item-detail")).to_have_text("by email")


async def test_the_console_has_an_icon(console: Console):
    response = await console.page.request.get(f"{console.service.base_url}/console/favicon.svg")
    assert response.ok and "svg" in response.headers["content-type"]
    await console.open()
    assert await console.page.locator("link[rel=icon]").get_attribute("href") == "favicon.svg"
