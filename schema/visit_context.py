"""The visit context of a session, as enrichment found it when the session started."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.type
class Browser:
    family: str | None
    version: str | None
    lang: str | None = strawberry.field(description="Preferred language (Accept-Language).")


@strawberry.type
class Device:
    category: str = strawberry.field(description="desktop, mobile, tablet or other.")
    os_family: str | None
    os_version: str | None


@strawberry.type(
    description="Where the IP address is registered. The offline data has countries only: "
    "region and locality are always null."
)
class Geolocation:
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    country_name: str | None
    region: str | None
    locality: str | None = strawberry.field(description="City or town.")


@strawberry.type
class Referrer:
    url: str | None
    hostname: str | None
    medium: str = strawberry.field(
        description="internal, paid, email, search, social, direct or unknown."
    )


@strawberry.type(description="The landing page's UTM tags.")
class Campaign:
    source: str | None
    medium: str | None
    name: str | None
    term: str | None
    content: str | None


@strawberry.type(description="Who visits and where from, taken from the session's first event.")
class VisitContext:
    browser: Browser
    device: Device
    geolocation: Geolocation
    referrer: Referrer
    campaign: Campaign
    user_agent: str | None
    authenticated: bool = strawberry.field(description="Whether the visitor was logged in.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> VisitContext | None:
        if not doc:
            return None
        browser, device = doc.get("browser") or {}, doc.get("device") or {}
        place, referrer = doc.get("geolocation") or {}, doc.get("referrer") or {}
        campaign = doc.get("campaign") or {}
        return cls(
            browser=Browser(family=browser.get("family"), version=browser.get("version"), lang=browser.get("lang")),
            device=Device(
                category=device.get("category") or "other",
                os_family=device.get("osFamily"),
                os_version=device.get("osVersion"),
            ),
            geolocation=Geolocation(
                country=place.get("country"),
                country_name=place.get("countryName"),
                region=place.get("region"),
                locality=place.get("locality"),
            ),
            referrer=Referrer(
                url=referrer.get("url"), hostname=referrer.get("hostname"),
                medium=referrer.get("medium") or "unknown",
            ),
            campaign=Campaign(**{key: campaign.get(key) for key in ("source", "medium", "name", "term", "content")}),
            user_agent=doc.get("userAgent"),
            authenticated=bool(doc.get("authenticated")),
        )
