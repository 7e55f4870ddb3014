"""Browser fixtures: one headless Chromium for the whole run, a fresh context per test,
the demo shop and the agent console both served by the test's own service."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, async_playwright, expect
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from app.main import STATIC
from tests.browser.pages import Console, Shop
from tests.browser.relay import Relay
from tests.support.service import Service

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]

# Live updates travel service → WebSocket → DOM; a few seconds covers a slow machine.
expect.set_options(timeout=10_000)


def chromium_executable() -> str | None:
    """The system Chromium: Playwright's own browser download is not available everywhere."""
    candidates = [os.environ.get("JOURNEY_CHROMIUM"), "/usr/bin/chromium",
                  shutil.which("chromium"), shutil.which("chromium-browser"), shutil.which("google-chrome")]
    return next((path for path in candidates if path and os.path.exists(path)), None)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_executable()
    if executable is None:
        pytest.fail("no Chromium found: `make browser` installs it (or set JOURNEY_CHROMIUM)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """The shopper's browser profile, new for each test: its own cookies, localStorage, routes."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    await context.close()


@pytest.fixture
async def service(service: Service) -> Service:
    """The browser reaches the service over its loopback port."""
    await service.listen()
    return service


@pytest.fixture
async def shop(context: BrowserContext, service: Service) -> Shop:
    return Shop(await context.new_page(), service)


@pytest.fixture
async def console(browser: Browser, service: Service) -> AsyncIterator[Console]:
    """The agent's console, in a profile of its own as on the agent's own machine."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield Console(await context.new_page(), service)
    await context.close()


@pytest.fixture
async def relay(service: Service) -> AsyncIterator[Relay]:
    """A second door to the service that the test can shut: the collection endpoint's outage."""
    relay = Relay(int(service.base_url.rsplit(":", 1)[1]))
    await relay.restore()
    yield relay
    await relay.cut()


@pytest.fixture
async def shop_site() -> AsyncIterator[str]:
    """The demo shop as a site of its own (pages and snippet), so the service can stop
    while the shop stays up, as in production."""
    site = Starlette(routes=[
        Mount("/demo", StaticFiles(directory=STATIC / "demo", html=True)),
        Mount("/sdk", StaticFiles(directory=STATIC / "sdk")),
    ])
    server = uvicorn.Server(uvicorn.Config(site, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server offers a flag, no event to await
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    await task


@pytest.fixture
async def separate_shop(context: BrowserContext, service: Service, shop_site: str) -> Shop:
    return Shop(await context.new_page(), service, site=shop_site)
