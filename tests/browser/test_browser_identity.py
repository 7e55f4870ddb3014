"""Signing in and logging out on the shop, as the agent sees it (S4, S6, S8 traits)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import Console, Shop


async def test_signing_in_shows_who_the_visitor_is(console: Console, shop: Shop):
    await shop.visit("signin.html")
    await console.open()
    await console.open_visitor()
    view = console.page.get_by_test_id("customer-view")
    await expect(view).to_contain_text("Anonymous visitor")

    await shop.page.get_by_label("Name").fill("Ada Lovelace")
    await shop.page.get_by_label("Email").fill("ada@example.com")
    await shop.page.get_by_label("Password").fill("hunter2-secret")
    await shop.page.get_by_role("button", name="Sign in").click()

    await expect(view.get_by_test_id("customer-identity")).to_have_text(["ada@example.com"])
    await expect(view.get_by_test_id("customer-trait")).to_contain_text(["Ada Lovelace"])
    await expect(view).to_contain_text("Known customer")
    await expect(console.visitors.first).to_contain_text("Ada Lovelace")
    await expect(view).not_to_contain_text("hunter2")


async def test_after_logout_the_visitor_is_someone_new(console: Console, shop: Shop):
    await shop.visit("index.html")
    await console.open()
    await expect(console.visitors).to_have_count(1)
    before = await console.visitors.first.get_attribute("data-customer-id")

    await shop.page.get_by_role("link", name="Log out").click()
    await shop.page.get_by_role("link", name="Products").first.click()

    newcomer = console.page.locator(f"[data-testid=live-visitor]:not([data-customer-id='{before}'])")
    await expect(newcomer).to_have_count(1)
    await newcomer.click()
    card = console.cards.first
    await console.expand(card)
    # A new journey map: only what happened after the logout.
    await expect(card.get_by_test_id("journey-item")).to_contain_text(["Home · Demo shop", "Products · Demo shop"])
    await expect(card.get_by_test_id("journey-item")).to_have_count(2)
