"""A UI served from another origin uses the API in a real browser when, and only when,
JOURNEY_CORS_ORIGINS names that origin: HTTP (with its preflight) and the WebSocket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.support.service import ADMIN_TOKEN

CALL_API = """async ([url, token]) => {
  try {
    const response = await fetch(url + "/graphql", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
      body: JSON.stringify({query: "{ __typename }"}),
    });
    return {status: response.status, body: await response.json(),
            requestId: response.headers.get("X-Request-ID")};
  } catch (error) {
    return {failed: String(error)};
  }
}"""

OPEN_SOCKET = """([url, token]) => new Promise((resolve) => {
  const socket = new WebSocket(url.replace("http", "ws") + "/graphql", "graphql-transport-ws");
  const init = {type: "connection_init", payload: {authorization: "Bearer " + token}};
  socket.onopen = () => socket.send(JSON.stringify(init));
  socket.onmessage = (message) => { resolve(JSON.parse(message.data).type); socket.close(); };
  socket.onerror = () => resolve("refused");
  setTimeout(() => resolve("timeout"), 8000);
})"""


@pytest.fixture
async def ui_site() -> AsyncIterator[int]:
    """A browser UI on a site of its own: its port, reachable as 127.0.0.1 and localhost."""
    site = Starlette(routes=[Route("/", lambda request: HTMLResponse("<title>Agent UI</title><h1>UI</h1>"))])
    server = uvicorn.Server(uvicorn.Config(site, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server offers a flag, no event to await
        await asyncio.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    await task


async def test_a_page_on_an_allowed_origin_calls_the_api_and_others_cannot(start, context, ui_site):
    service = await start(cors_origins=(f"http://127.0.0.1:{ui_site}",), listen=True)
    page = await context.new_page()
    arguments = [service.base_url, ADMIN_TOKEN]

    await page.goto(f"http://127.0.0.1:{ui_site}/")
    answer = await page.evaluate(CALL_API, arguments)
    assert answer.get("status") == 200, answer
    assert answer["body"] == {"data": {"__typename": "Query"}}
    assert answer["requestId"]  # exposed to the page's script
    assert await page.evaluate(OPEN_SOCKET, arguments) == "connection_ack"

    # The same page from an origin the setting does not name.
    await page.goto(f"http://localhost:{ui_site}/")
    refused = await page.evaluate(CALL_API, arguments)
    assert "failed" in refused, refused
    assert await page.evaluate(OPEN_SOCKET, arguments) == "refused"
