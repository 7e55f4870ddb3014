"""The demo shop and the agent console as a test drives them, and what reaches the service."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Page, Request, Response, expect

from tests.support.service import ADMIN_TOKEN, Service

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


STORED = """query($cookie: String!) {
  customerByIdentity(type: COOKIE, value: $cookie) {
    id
    sessions { nodes {
      id status pageviewCount eventCount searches { query }
      journey(first: 500) { nodes { kind name query page { url } referrer attributes } }
    } }
  }
}"""


async def eventually[T](check: Callable[[], Awaitable[T]], *, timeout: float = 10) -> T:
    """The first truthy result of check, polled until timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            assert result, f"still {result!r} after {timeout} s"
            return result
        await asyncio.sleep(0.1)


class CollectTraffic:
    """Every POST /collect a page sent, and the service's answer per event."""

    def __init__(self, page: Page) -> None:
        self.batches: list[dict[str, Any]] = []
        self.receipts: list[dict[str, Any]] = []
        self._reading: set[asyncio.Task] = set()
        page.on("request", self._sent)
        page.on("response", self._answered)

    @staticmethod
    def _is_collect(request: Request) -> bool:
        return request.method == "POST" and request.url.endswith("/collect")

    def _sent(self, request: Request) -> None:
        if self._is_collect(request):
            self.batches.append(json.loads(request.post_data or "{}"))

    def _answered(self, response: Response) -> None:
        # Reading the body takes a round trip to the browser; the task starts in event
        # order, so settled() after the page has seen an answer includes that answer.
        if self._is_collect(response.request) and response.ok:
            task = asyncio.ensure_future(self._read(response))
            self._reading.add(task)
            task.add_done_callback(self._reading.discard)

    async def _read(self, response: Response) -> None:
        try:
            self.receipts.extend((await response.json())["events"])
        except Exception:
            pass  # a beacon's answer may be gone once its page has unloaded

    async def settled(self) -> None:
        await asyncio.gather(*self._reading)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for batch in self.batches for event in batch["events"]]

    def statuses(self, event_id: str) -> list[str]:
        return [receipt["status"] for receipt in self.receipts if receipt["id"] == event_id]


class Shop:
    def __init__(self, page: Page, service: Service, site: str | None = None) -> None:
        self.page = page
        self.service = service
        self.url = f"{site or service.base_url}/demo/"
        self.traffic = CollectTraffic(page)

    async def visit(self, path: str = "index.html") -> None:
        await self.page.goto(self.url + path)
        await self.page.wait_for_function("window.journey && window.journey.loaded")

    async def cookie_id(self) -> str:
        cookies = await self.page.context.cookies()
        return next(cookie["value"] for cookie in cookies if cookie["name"] == "jg_id")

    async def queued(self) -> list[dict[str, Any]]:
        return await self.page.evaluate("JSON.parse(localStorage.getItem('jg_queue') || '[]')")

    async def tried(self, count: int) -> bool:
        """Whether the snippet has tried to send `count` distinct events."""
        return len({event["id"] for event in self.traffic.events}) == count

    async def delivered(self) -> None:
        """Wait until the snippet's queue is empty: every event answered by the service."""
        await eventually(lambda: self._queue_empty(), timeout=15)
        await self.traffic.settled()

    async def _queue_empty(self) -> bool:
        return not await self.queued()

    async def stored(self, cookie_id: str | None = None) -> dict[str, Any] | None:
        """What the service holds for this browser, through the public GraphQL API."""
        data = await self.service.data(STORED, {"cookie": cookie_id or await self.cookie_id()})
        return data["customerByIdentity"]


class Console:
    def __init__(self, page: Page, service: Service) -> None:
        self.page = page
        self.service = service

    async def open(self, customer_id: str | None = None) -> None:
        shown = f"&customer={customer_id}" if customer_id else ""
        await self.page.goto(f"{self.service.base_url}/console/#token={ADMIN_TOKEN}{shown}")
        await expect(self.page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")

    @property
    def visitors(self):
        return self.page.get_by_test_id("live-visitor")

    @property
    def cards(self):
        return self.page.get_by_test_id("session-card")

    async def open_visitor(self, index: int = 0) -> None:
        await self.visitors.nth(index).click()
        await expect(self.page.get_by_test_id("customer-view")).to_be_visible()

    async def expand(self, card) -> None:
        await card.get_by_test_id("card-toggle").click()
        await expect(card.get_by_test_id("journey-map")).to_be_visible()

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=path, full_page=True)
        return path
