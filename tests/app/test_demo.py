"""The demo: a fresh install shows segment chips and a Purchase bar as someone shops."""

from __future__ import annotations

import os
import subprocess
import sys

from app import cli
from core.settings import Settings

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DEFINED = """{ segments { name scope active } outcomes { name positive active } }"""
SESSION = """query ($id: ID!) { session(id: $id) {
  segments { segment { name } }
  outcomes { outcome { name } probability achieved factors { label } source }
} }"""


def _page(base_url: str, path: str, event_id: str) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"{base_url}/demo/{path}", "title": path}}


async def _shop(service, events: list[dict]) -> dict:
    response = await service.http.post(
        "/collect",
        json={"deploymentId": "default", "cookieId": "demo-shopper", "events": events},
        headers={"User-Agent": IPHONE},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_demo_defines_example_segments_and_a_purchase_outcome_once(start):
    service = await start(demo="true")
    first = await service.data(DEFINED)
    names = [segment["name"] for segment in first["segments"]]
    assert {"Mobile visitor", "Came from search", "Signed-in customer", "Cart with items",
            "Viewed 3+ products", "High intent"} <= set(names)
    assert [(o["name"], o["positive"], o["active"]) for o in first["outcomes"]] == [("Purchase", True, True)]

    await service.shut_down()
    await service.start_again()  # the same database: nothing is added twice
    assert await service.data(DEFINED) == first


async def test_a_mobile_shopper_gets_chips_and_a_purchase_bar_that_fills(start):
    service = await start(demo="true", listen=True)
    url = service.base_url
    browsed = await _shop(service, [
        _page(url, "index.html", "e1"),
        _page(url, "product.html?sku=A1", "e2"),
        _page(url, "product.html?sku=A2", "e3"),
        _page(url, "product.html?sku=B1", "e4"),
        {"id": "e5", "type": "custom", "name": "add_to_cart", "attributes": {"sku": "B1"}},
    ])
    session_id = browsed["sessionIds"][0]
    session = (await service.data(SESSION, {"id": session_id}))["session"]
    chips = {item["segment"]["name"] for item in session["segments"]}
    assert chips == {"Mobile visitor", "Viewed 3+ products", "Cart with items", "High intent"}
    (bar,) = session["outcomes"]
    assert bar["outcome"]["name"] == "Purchase" and not bar["achieved"]
    assert 0 < bar["probability"] < 1 and bar["factors"], bar

    # Signing in marks the session; the page the sign-in form leads to matches the segment.
    await _shop(service, [{"id": "e6", "type": "identify", "traits": {"email": "ada@example.com"}}])
    await _shop(service, [
        _page(url, "index.html", "e7"),
        {"id": "e8", "type": "custom", "name": "purchase", "attributes": {"sku": "B1"}},
    ])
    session = (await service.data(SESSION, {"id": session_id}))["session"]
    assert "Signed-in customer" in {item["segment"]["name"] for item in session["segments"]}
    (bar,) = session["outcomes"]
    assert bar["achieved"] and bar["probability"] == 1


async def test_without_the_demo_nothing_is_defined(start):
    service = await start()  # an external database: the demo is off unless asked for
    assert await service.data(DEFINED) == {"segments": [], "outcomes": []}


def test_the_demo_is_on_by_default_for_the_embedded_store_only():
    assert Settings().installs_demo
    assert not Settings(mongodb_uri="mongodb://db.example").installs_demo
    assert Settings(mongodb_uri="mongodb://db.example", demo="true").installs_demo
    assert not Settings.from_env({"JOURNEY_DEMO": "false"}).installs_demo


def test_serve_no_demo_turns_it_off(monkeypatch):
    chosen: list[Settings] = []
    monkeypatch.setattr(cli, "serve", chosen.append)
    cli.main(["serve", "--no-demo"])
    cli.main(["serve"])
    assert [settings.installs_demo for settings in chosen] == [False, not os.environ.get("JOURNEY_MONGODB_URI")]


async def test_journey_demo_adds_what_is_missing_and_keeps_the_rest(mongodb_uri):
    env = {**os.environ, "JOURNEY_MONGODB_URI": mongodb_uri, "JOURNEY_DATABASE": f"t_demo_{os.getpid()}"}

    def journey_demo() -> str:
        done = subprocess.run([sys.executable, "-m", "app.cli", "demo"], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    first, second = journey_demo(), journey_demo()
    assert "added   Purchase" in first and "kept" not in first
    assert "kept    Purchase (already defined)" in second and "added" not in second
