from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from journey.incoming import Source
from schema.enums import TrackEventType


@strawberry.input
class PageInput:
    url: str
    title: str | None = None


@strawberry.input(description="One tracked event, as a server-side integration sends it.")
class TrackEventInput:
    id: str = strawberry.field(description="Client event id; a repeat is answered DUPLICATE.")
    type: TrackEventType
    cookie_id: str = strawberry.field(description="The browser the event came from.")
    occurred_at: datetime | None = strawberry.field(
        default=None, description="Defaults to the time of receipt."
    )
    page: PageInput | None = None
    referrer: str | None = None
    query: str | None = None
    name: str | None = None
    attributes: JSON | None = None
    traits: JSON | None = strawberry.field(
        default=None, description="For IDENTIFY: email, phone, externalId and other traits."
    )
    user_agent: str | None = strawberry.field(
        default=None, description="The visitor's browser user agent, for enrichment."
    )
    ip: str | None = strawberry.field(default=None, description="The visitor's IP address.")
    accept_language: str | None = None

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
