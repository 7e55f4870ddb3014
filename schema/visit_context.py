"""The visit context of a session, as enrichment found it when the session started."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.type(description="The visitor's web browser, from its user agent.")
class Browser:
    family: str | None = strawberry.field(description="Chrome, Firefox, Safari, Edge…; null when unknown.")
    version: str | None = strawberry.field(description="Its version, like 124.0; null when unknown.")
    lang: str | None = strawberry.field(description="Preferred language (Accept-Language).")


@strawberry.type(description="The visitor's device, from its user agent.")
class Device:
    category: str = strawberry.field(description="desktop, mobile, tablet or other.")
    os_family: str | None = strawberry.field(
        description="Windows, Mac OS X, iOS, Android, Linux…; null when unknown.",
    )
    os_version: str | None = strawberry.field(
        description="The operating system's version; null when unknown.",
    )


@strawberry.type(
    description="Where the IP address is registered. The offline data has countries only: "
    "region and locality are always null."
)
class Geolocation:
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    country_name: str | None = strawberry.field(description="The country's English name, like Germany.")
    region: str | None = strawberry.field(description="State or province; always null with the offline data.")
    locality: str | None = strawberry.field(description="City or town.")


@strawberry.type(description="The page the visitor came from.")
class Referrer:
    url: str | None = strawberry.field(description="Its full address; null for a direct visit.")
    hostname: str | None = strawberry.field(
        description="Its host, like www.google.com; null for a direct visit.",
    )
    medium: str = strawberry.field(
        description="internal, paid, email, search, social, direct or unknown."
    )


@strawberry.type(description="The landing page's UTM tags.")
class Campaign:
    source: str | None = strawberry.field(
        description="utm_source: who sent the visitor, like newsletter or google.",
    )
    medium: str | None = strawberry.field(description="utm_medium: how, like email or cpc.")
    name: str | None = strawberry.field(description="utm_campaign: the campaign's name.")
    term: str | None = strawberry.field(description="utm_term: the paid search keywords.")
    content: str | None = strawberry.field(description="utm_content: which link or ad was clicked.")


@strawberry.type(description="Who visits and where from, taken from the session's first event.")
class VisitContext:
    browser: Browser = strawberry.field(description="The browser and its preferred language.")
    device: Device = strawberry.field(description="The kind of device and its operating system.")
    geolocation: Geolocation = strawberry.field(description="Where the visitor's IP address is registered.")
    referrer: Referrer = strawberry.field(description="Where the visitor came from.")
    campaign: Campaign = strawberry.field(
        description="The marketing campaign that brought the visitor, from UTM tags.",
    )
    user_agent: str | None = strawberry.field(
        description="The raw user agent string, for detail the fields above leave out.",
    )
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
