"""How long a newcomer waits: `journey serve` on a fresh embedded store, then a shopper on
/demo/ while the console watches. Prints the seconds until the service answers, and from the
shopper's first page until the console shows them under Live Now, their segment chips, the
Purchase bar with its factors, and their search.

Run: .venv/bin/python benchmarks/demo_first_minute.py   (needs Chromium: `make browser`)
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import async_playwright, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.service import READY_PATH, wait_ready  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS, chromium_executable  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

TOKEN = "demo-benchmark-token"


async def main() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "JOURNEY_PORT": str(port), "JOURNEY_DATA_DIR": data_dir,
               "JOURNEY_ADMIN_TOKEN": TOKEN, "JOURNEY_MONGODB_URI": "", "JOURNEY_DEMO": "auto"}
        began = time.monotonic()
        # Left running beside the loop until the end: nothing to await.
        server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env,  # noqa: ASYNC220
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            async with httpx.AsyncClient(base_url=url) as http:
                await wait_ready(http, server)
            print(f"journey serve answers {READY_PATH} after: {time.monotonic() - began:.1f} s")
            await watch_a_shopper(url)
        finally:
            server.terminate()
            server.wait(timeout=30)


async def watch_a_shopper(url: str) -> None:
    expect.set_options(timeout=60_000)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        console = await (await browser.new_context()).new_page()
        shop = await (await browser.new_context()).new_page()
        await console.goto(f"{url}/console/#token={TOKEN}")
        await expect(console.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")

        first_page = time.monotonic()
        await shop.goto(f"{url}/demo/index.html")
        await console.get_by_test_id("live-visitor").first.wait_for()
        print(f"shopper under Live Now after: {time.monotonic() - first_page:.1f} s")
        for sku in ("A1", "A2", "B1"):
            await shop.goto(f"{url}/demo/product.html?sku={sku}")
        await shop.get_by_role("button", name="Add to cart").click()
        await shop.goto(f"{url}/demo/search.html?q=shoes")

        await console.get_by_test_id("live-visitor").first.click()
        card = console.get_by_test_id("session-card").first
        await card.get_by_test_id("card-toggle").click()
        await expect(card.get_by_test_id("segment-chip")).to_contain_text(["Viewed 3+ products", "Cart with items"])
        await expect(card.get_by_test_id("outcome-factor").first).to_be_visible()
        await expect(card.get_by_test_id("search-term")).to_have_text(["shoes"])
        chips = await card.get_by_test_id("segment-chip").all_text_contents()
        bar = await card.get_by_test_id("outcome-bar").first.text_content()
        print(f"chips, Purchase bar with factors and the search shown after: {time.monotonic() - first_page:.1f} s")
        print(f"  chips: {', '.join(chips)}")
        pages = await card.get_by_test_id("pageview-count").text_content()
        print(f"  bar: {' '.join((bar or '').split())}  (the card counts {pages} pages)")
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
