"""Outcome bars on the console: progress rises live as the visitor shops (S13)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import Console, Shop
from tests.support.outcomes import create_outcome
from tests.support.segments import condition


async def test_the_purchase_bar_rises_live_when_an_item_goes_into_the_cart(console: Console, shop: Shop):
    await create_outcome(shop.service, "Purchase", condition("eventName", "EQUAL", "purchase"))
    await shop.visit("product.html?sku=A1")
    await console.open()
    await console.open_visitor()
    card = console.cards.first
    await console.expand(card)
    bar = card.get_by_test_id("outcome-bar")
    await expect(bar).to_contain_text("Purchase")
    before = float(await bar.get_attribute("data-probability"))

    await shop.page.get_by_role("button", name="Add to cart").click()
    await expect(bar).not_to_have_attribute("data-probability", str(before))
    after = float(await bar.get_attribute("data-probability"))
    assert after > before
    await expect(card.get_by_test_id("outcome-factor").first).to_be_visible()
    await expect(card.get_by_test_id("outcome-basis")).to_contain_text("rule of thumb")
    await console.screenshot("console-outcome-progress")

    await shop.page.evaluate("journey('record', 'purchase', {total: 42})")
    await expect(card.get_by_test_id("outcome-value")).to_have_text("achieved")
    await console.screenshot("console-outcome-bar")
