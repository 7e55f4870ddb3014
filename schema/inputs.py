from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from journey.incoming import Source
from schema.enums import TrackEventType


@strawberry.input(description="The page an event happened on.")
class PageInput:
    url: str = strawberry.field(description="The full address, like https://shop.example/shoes?size=9.")
    title: str | None = strawberry.field(
        default=None,
        description="The page's title, as the browser tab shows it.",
    )


@strawberry.input(description="One tracked event, as a server-side integration sends it.")
class TrackEventInput:
    id: str = strawberry.field(description="Client event id; a repeat is answered DUPLICATE.")
    type: TrackEventType = strawberry.field(
        description="What happened; it decides which other fields are needed.",
    )
    cookie_id: str = strawberry.field(description="The browser the event came from.")
    occurred_at: datetime | None = strawberry.field(
        default=None, description="Defaults to the time of receipt."
    )
    page: PageInput | None = strawberry.field(default=None, description="For PAGEVIEW: the page viewed.")
    referrer: str | None = strawberry.field(
        default=None, description="The address the visitor came from (document.referrer)."
    )
    query: str | None = strawberry.field(default=None, description="For SEARCH: the terms searched.")
    name: str | None = strawberry.field(
        default=None, description="For CUSTOM: the event's name, like add_to_cart or purchase."
    )
    attributes: JSON | None = strawberry.field(
        default=None,
        description="For PAGEVIEW and CUSTOM: a flat object of extra details, like {\"sku\": \"A1\", \"price\": 20}.",
    )
    traits: JSON | None = strawberry.field(
        default=None, description="For IDENTIFY: email, phone, externalId and other traits."
    )
    user_agent: str | None = strawberry.field(
        default=None, description="The visitor's browser user agent, for enrichment."
    )
    ip: str | None = strawberry.field(default=None, description="The visitor's IP address.")
    accept_language: str | None = strawberry.field(
        default=None, description="The visitor's Accept-Language header, for the preferred language."
    )

    def source(self) -> Source:
        return Source(user_agent=self.user_agent, ip=self.ip, accept_language=self.accept_language)

    def as_raw(self) -> dict[str, Any]:
        """The same shape /collect receives, so both doors share one validator."""
        raw: dict[str, Any] = {"id": self.id, "type": self.type.value}
        if self.occurred_at is not None:
            raw["occurredAt"] = self.occurred_at.isoformat()
        if self.page is not None:
            raw["page"] = {"url": self.page.url, "title": self.page.title}
        for key, value in (
            ("referrer", self.referrer),
            ("query", self.query),
            ("name", self.name),
            ("attributes", self.attributes),
            ("traits", self.traits),
        ):
            if value is not None:
                raw[key] = value
        return raw


@strawberry.input(description="Who a customer is: at least one of email, phone and externalId.")
class IdentifyInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer to identify.")
    email: str | None = strawberry.field(default=None, description="An email address.")
    phone: str | None = strawberry.field(
        default=None, description="A phone number; without a country code the default region's is assumed."
    )
    external_id: str | None = strawberry.field(default=None, description="The site's own customer id.")
    traits: JSON | None = strawberry.field(
        default=None, description="Other things known, like {\"name\": \"Ada\", \"plan\": \"gold\"}."
    )


@strawberry.input(description="One step of an engagement offered to a visitor.")
class EngagementInput:
    session_id: strawberry.ID = strawberry.field(description="The visitor's web session.")
    engagement_id: str = strawberry.field(description="The engagement's id, the same for all its steps.")
    media_type: str = strawberry.field(description="webchat, webmessaging, content or custom.")
    state: str = strawberry.field(description=
        "qualified, offered, frequencycapreached, accepted, rejected, ignored, timedout, errored, "
        "started, engaged, completed or abandoned."
    )
    action_name: str | None = strawberry.field(
        default=None,
        description="The name of the action that offered it.",
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="Defaults to the time of receipt.",
    )
