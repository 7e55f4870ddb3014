"""The demo as a newcomer meets it: the shop's example segments and Purchase outcome on the console."""

from __future__ import annotations

from playwright.async_api import expect

from journey import demo
from tests.browser.pages import Console, Shop


async def test_shopping_the_demo_fills_the_card_and_buy_now_achieves_the_purchase(console: Console, shop: Shop):
    services = shop.service.services
    await demo.install(services.db, now=shop.service.clock.now())
    services.segments.invalidate()
    services.outcomes.invalidate()
    for sku in ("A1", "A2", "B1"):
        await shop.visit(f"product.html?sku={sku}")
    await shop.page.get_by_role("button", name="Add to cart").click()
    await shop.delivered()

    await console.open()
    await console.open_visitor()
    card = console.cards.first
    await console.expand(card)
    await expect(card.get_by_test_id("segment-chip")).to_have_text(
        ["Viewed 3+ products", "Cart with items", "High intent"])
    await expect(card.get_by_test_id("outcome-bar")).to_contain_text("Purchase")
    await expect(card.get_by_test_id("outcome-factor").first).to_be_visible()

    await shop.page.get_by_role("button", name="Buy now").click()
    await expect(shop.page.get_by_text("Thank you for your order!")).to_be_visible()
    await expect(card.get_by_test_id("outcome-value")).to_have_text("achieved")
    purchase = card.locator("[data-testid=journey-item][data-kind=CUSTOM]").last
    await expect(purchase).to_contain_text("purchase")
    await expect(purchase.locator("[data-icon=bag] svg")).to_be_visible()
