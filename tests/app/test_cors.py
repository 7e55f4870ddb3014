"""CORS on /graphql without a browser: what a preflight is answered, and the setting
refused at start-up when it names no origin."""

from __future__ import annotations

import pytest

from app.main import create_app
from core.settings import Settings

UI = "https://console.example.com"


def preflight(origin: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"}


async def test_preflight_names_the_allowed_origin_and_refuses_others_in_json(start):
    service = await start(cors_origins=(UI,))
    allowed = await service.http.options("/graphql", headers=preflight(UI))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers

    refused = await service.http.options("/graphql", headers=preflight("https://elsewhere.example"))
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert "JOURNEY_CORS_ORIGINS" in refused.json()["errors"][0]["message"]


async def test_same_origin_only_by_default(service):
    refused = await service.http.options("/graphql", headers=preflight(UI))
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("origin", ["console.example.com", "https://console.example.com/app", "ftp://x.example"])
def test_a_setting_that_is_not_an_origin_stops_start_up(origin):
    with pytest.raises(ValueError, match="JOURNEY_CORS_ORIGINS"):
        create_app(Settings(cors_origins=(origin,)))
