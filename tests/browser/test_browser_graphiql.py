"""GraphiQL as a newcomer meets it, with the internet cut off: the page asks for a token
before anything else, then Docs, the Explorer and queries work without a refresh, and the
token stays in the tab (sessionStorage), never in localStorage."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from tests.support.service import ADMIN_TOKEN

LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture
async def offline(context: BrowserContext) -> list[str]:
    """Every request that leaves the machine is refused; the list says which were tried."""
    tried: list[str] = []

    async def cut(route: Route) -> None:
        url = route.request.url
        if url.startswith("data:") or urlsplit(url).hostname in LOCAL:
            await route.continue_()
        else:
            tried.append(url)
            await route.abort("internetdisconnected")

    await context.route("**/*", cut)
    return tried


async def open_docs(page: Page) -> None:
    await page.get_by_role("button", name="Show Documentation Explorer").click()
    docs = page.locator(".graphiql-doc-explorer")
    await expect(docs).to_contain_text("Root Types")
    await docs.get_by_role("link", name="Query").first.click()
    await expect(docs).to_contain_text("liveVisitors")


async def test_graphiql_asks_for_a_token_then_everything_loads_offline(context, service, offline):
    page = await context.new_page()
    await page.goto(f"{service.base_url}/graphql")
    token_input = page.get_by_test_id("token-input")
    await expect(token_input).to_be_visible()
    await token_input.fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Open GraphiQL").click()

    await open_docs(page)
    await page.get_by_role("button", name="Show GraphiQL Explorer").click()
    await expect(page.locator(".graphiql-explorer-root")).to_contain_text("liveVisitors")

    await page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    await expect(page.locator(".result-window")).to_contain_text('"liveVisitors"')

    assert ADMIN_TOKEN in await page.evaluate("JSON.stringify(sessionStorage)")
    assert ADMIN_TOKEN not in await page.evaluate("JSON.stringify(localStorage)")
    assert offline == []


async def test_a_token_in_the_address_opens_graphiql_directly_and_a_wrong_one_is_refused(
    context, service, offline
):
    page = await context.new_page()
    await page.goto(f"{service.base_url}/graphql#token=not-a-real-token")
    await expect(page.get_by_role("alert")).to_contain_text("not accepted")

    await page.goto(f"{service.base_url}/graphql#token={ADMIN_TOKEN}")
    await open_docs(page)
    assert "token" not in page.url
    assert offline == []
