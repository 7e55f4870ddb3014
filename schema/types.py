"""GraphQL object types. They read through the per-request loaders only: no storage calls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from access import permissions as perm
from loaders import JOURNEY_ORDER, SESSION_ORDER
from schema.enums import (
    IdentityType,
    JourneyEventKind,
    ReceiptStatus,
    SessionChangeKind,
    SessionStatus,
    SessionType,
)
from schema.journey_detail import EngagementDetail, FormDetail
from schema.outcomes import AchievedOutcome, OutcomeProgress, session_outcomes
from schema.pagination import (
    AfterArgument,
    PageInfo,
    after_key,
    cursor_of,
    first_argument,
    page_size,
    split_page,
)
from schema.permissions import requires
from schema.segments import MatchedSegment, SegmentAssignment, assignments
from schema.visit_context import VisitContext

JourneyFirst = Annotated[int | None, first_argument(default=100, maximum=500)]
SessionsFirst = Annotated[int | None, first_argument(default=20, maximum=100)]


@strawberry.type(description="A page of the website.")
class Page:
    url: str = strawberry.field(description="The full address, with its query string.")
    title: str | None = strawberry.field(description="The page's title; null when the page sent none.")


@strawberry.type(description="One search the visitor made on the site.")
class SearchPerformed:
    query: str = strawberry.field(description="The terms searched, as typed.")
    occurred_at: datetime = strawberry.field(description="When the search was made.")


@strawberry.type(description="One item on a session's journey map.")
class JourneyEvent:
    id: strawberry.ID = strawberry.field(description="The item's id, unique across journey maps.")
    kind: JourneyEventKind = strawberry.field(
        description="What the item records; it decides which fields are set.",
    )
    icon: str = strawberry.field(
        description="The icon to draw, like pageview, search or segment; Query.journeyIcons says what each means."
    )
    occurred_at: datetime = strawberry.field(
        description="When it happened, as the event reported it (or when it arrived).",
    )
    session_id: strawberry.ID = strawberry.field(description="The session the item belongs to.")
    name: str = strawberry.field(
        description="pageview, search, the custom event's name, or the matched segment's name."
    )
    page: Page | None = strawberry.field(
        description="The page the item happened on; null for items off the site.",
    )
    referrer: str | None = strawberry.field(description="For PAGEVIEW: the address the visitor came from.")
    query: str | None = strawberry.field(description="For SEARCH: the terms searched.")
    attributes: JSON = strawberry.field(
        description="For PAGEVIEW and CUSTOM: the details the site sent with the event (an object; empty when none).",
    )
    segment: MatchedSegment | None = strawberry.field(description="For SEGMENT_MATCHED: the segment.")
    outcome: AchievedOutcome | None = strawberry.field(description="For OUTCOME_ACHIEVED: the outcome.")
    engagement: EngagementDetail | None = strawberry.field(description="For WEB_ACTION: the engagement.")
    form: FormDetail | None = strawberry.field(description="For FORM_SUBMITTED and FORM_ABANDONED.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> JourneyEvent:
        page = doc.get("page")
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            kind=JourneyEventKind(doc["kind"]),
            icon=doc["icon"],
            occurred_at=doc["occurredAt"],
            session_id=strawberry.ID(doc["sessionId"]),
            name=doc.get("name") or doc["kind"].lower(),
            page=Page(url=page["url"], title=page.get("title")) if page else None,
            referrer=doc.get("referrer"),
            query=doc.get("query"),
            attributes=JSON(doc.get("attributes") or {}),
            segment=MatchedSegment.from_doc(doc.get("segment")),
            outcome=AchievedOutcome.from_doc(doc.get("outcome")),
            engagement=EngagementDetail.from_doc(doc.get("engagement")),
            form=FormDetail.from_doc(doc.get("form")),
        )


@strawberry.type(description="One journey item with its place in the list.")
class JourneyEventEdge:
    cursor: str = strawberry.field(description="Pass it as `after` to continue after this item.")
    node: JourneyEvent = strawberry.field(description="The journey item.")


@strawberry.type(description="A page of a journey map, oldest item first.")
class JourneyEventConnection:
    edges: list[JourneyEventEdge] = strawberry.field(description="The items, each with its cursor.")
    page_info: PageInfo = strawberry.field(description="Whether more items follow, and where to continue.")

    @strawberry.field(description="The items alone, when cursors are not needed.")
    def nodes(self) -> list[JourneyEvent]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="A value that identifies a customer: a cookie, email, phone or external id.")
class Identity:
    type: IdentityType = strawberry.field(description="What kind of value it is.")
    value: str = strawberry.field(
        description="The value, normalised as at ingest (emails lower-cased, phones E.164).",
    )
    created_at: datetime = strawberry.field(description="When it was first tied to this customer.")
    verified: bool = strawberry.field(
        default=True,
        description="False for an identity a browser claimed without the site's signature: it is "
        "shown on this customer only, never used to find or merge customers.",
    )


@strawberry.enum(description="How an agent console colours a conversation card.")
class ConversationState(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Still going on.")
    WRAPPED_UP = strawberry.enum_value("WRAPPED_UP", description="Ended, and the agent recorded a wrap-up code.")
    ENDED = strawberry.enum_value("ENDED", description="Ended without a wrap-up code yet.")
    ABANDONED = strawberry.enum_value(
        "ABANDONED", description="The customer hung up or left before an agent answered."
    )


@strawberry.type(description="A contact-centre conversation: a call, email, message or chat.")
class Conversation:
    channel: str = strawberry.field(description="CALL, EMAIL, MESSAGING or WEBCHAT.")
    direction: str = strawberry.field(description="INBOUND (the customer reached out) or OUTBOUND.")
    queue: str | None = strawberry.field(description="The queue it waited in, if any.")
    agent: str | None = strawberry.field(description="The agent who handled it, if any.")
    subject: str | None = strawberry.field(
        description="What it was about, as the contact centre recorded it.",
    )
    disposition: str | None = strawberry.field(description="ANSWERED, ABANDONED or TRANSFERRED.")
    wrap_up_code: str | None = strawberry.field(description="The agent's wrap-up code, once recorded.")
    started_at: datetime = strawberry.field(description="When the conversation started.")
    queued_at: datetime | None = strawberry.field(description="When it joined a queue.")
    connected_at: datetime | None = strawberry.field(description="When an agent answered.")
    ended_at: datetime | None = strawberry.field(description="When it ended; null while it goes on.")
    web_session_id: strawberry.Private[str | None]

    @strawberry.field(description="The colour of its card, from its disposition, end and wrap-up code.")
    def state(self) -> ConversationState:
        if self.disposition == "ABANDONED":
            return ConversationState.ABANDONED
        if self.ended_at is None:
            return ConversationState.ACTIVE
        return ConversationState.WRAPPED_UP if self.wrap_up_code else ConversationState.ENDED

    @strawberry.field(description="The web session the conversation started in.")
    async def web_session(self, info: Info) -> Annotated[Session, strawberry.lazy("schema.types")] | None:
        if self.web_session_id is None:
            return None
        doc = await info.context.loaders.session.load(self.web_session_id)
        return Session(doc=doc) if doc else None

    @classmethod
    def from_doc(cls, details: dict[str, Any]) -> Conversation:
        return cls(
            channel=details["channel"], direction=details["direction"], queue=details.get("queue"),
            agent=details.get("agent"), subject=details.get("subject"),
            disposition=details.get("disposition"), wrap_up_code=details.get("wrapUpCode"),
            started_at=details["startedAt"], queued_at=details.get("queuedAt"),
            connected_at=details.get("connectedAt"), ended_at=details.get("endedAt"),
            web_session_id=details.get("webSessionId"),
        )


def session_status(doc: Mapping[str, Any], info: Info) -> SessionStatus:
    """INACTIVE once ended; a web session also once idle past the timeout, even before
    the sweeper has run."""
    if doc.get("status") == "INACTIVE":
        return SessionStatus.INACTIVE
    if doc.get("type") != "WEB":
        return SessionStatus.ACTIVE
    services = info.context.services
    idle = services.clock.now() - doc["lastActivityAt"]
    if idle >= timedelta(seconds=services.settings.session_timeout_seconds):
        return SessionStatus.INACTIVE
    return SessionStatus.ACTIVE


@strawberry.type(description="A session card: what the customer did during one period.")
class Session:
    doc: strawberry.Private[Mapping[str, Any]]

    @strawberry.field(description="The session's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["_id"])

    @strawberry.field(description="A website visit or a conversation.")
    def type(self) -> SessionType:
        return SessionType(self.doc["type"])

    @strawberry.field(
        description="ACTIVE (blue card) or INACTIVE (gray card); a visit idle past the timeout is INACTIVE.",
    )
    def status(self, info: Info) -> SessionStatus:
        return session_status(self.doc, info)

    @strawberry.field(permission_classes=[requires(perm.CUSTOMER_VIEW)], description="Who the session belongs to.")
    async def customer(self, info: Info) -> Customer:
        doc = await info.context.loaders.customer.load(self.doc["customerId"])
        return Customer(doc=doc or {"_id": self.doc["customerId"]})

    @strawberry.field(description="When its first event happened.")
    def started_at(self) -> datetime:
        return self.doc["startedAt"]

    @strawberry.field(description="When its latest event happened.")
    def last_activity_at(self) -> datetime:
        return self.doc["lastActivityAt"]

    @strawberry.field(
        description="When it was closed; null while open (a visit idle past the timeout may still be null).",
    )
    def ended_at(self) -> datetime | None:
        return self.doc.get("endedAt")

    @strawberry.field(description="Pages viewed during the session.")
    def pageview_count(self) -> int:
        return self.doc.get("pageviewCount", 0)

    @strawberry.field(description="Events of every kind received for the session.")
    def event_count(self) -> int:
        return self.doc.get("eventCount", 0)

    @strawberry.field(description="The page viewed most recently; null before the first page view.")
    def last_page(self) -> Page | None:
        page = self.doc.get("lastPage")
        return Page(url=page["url"], title=page.get("title")) if page else None

    @strawberry.field(description="Every term searched during the session, in order.")
    def searches(self) -> list[SearchPerformed]:
        return [
            SearchPerformed(query=item["query"], occurred_at=item["occurredAt"])
            for item in self.doc.get("searches", [])
        ]

    @strawberry.field(
        permission_classes=[requires(perm.EVENT_VIEW)],
        description="The journey map, in time order.",
    )
    async def journey(
        self, info: Info, first: JourneyFirst = None, after: AfterArgument = None
    ) -> JourneyEventConnection:
        size = page_size(first, default=100, maximum=500)
        key = (self.doc["_id"], size + 1, after_key(after, len(JOURNEY_ORDER)))
        docs, more = split_page(await info.context.loaders.journey_page.load(key), size)
        edges = [
            JourneyEventEdge(cursor=cursor_of(doc, JOURNEY_ORDER), node=JourneyEvent.from_doc(doc))
            for doc in docs
        ]
        return JourneyEventConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
        )

    @strawberry.field(description="For CONVERSATION sessions: the conversation's details.")
    def conversation(self) -> Conversation | None:
        details = self.doc.get("conversation")
        return Conversation.from_doc(details) if details else None

    @strawberry.field(description="The division owning a conversation session; null for web sessions.")
    def division_id(self) -> strawberry.ID | None:
        division = self.doc.get("divisionId")
        return strawberry.ID(division) if division else None

    @strawberry.field(description="Browser, device, location, referrer and campaign, as the session started.")
    def context(self) -> VisitContext | None:
        return VisitContext.from_doc(self.doc.get("context"))

    @strawberry.field(
        description="Whether the card has detail to expand: segments, searches or outcomes."
    )
    async def has_detail(self, info: Info) -> bool:
        doc = self.doc
        if doc.get("searches") or doc.get("outcomes"):
            return True
        # Only segments the caller may see count as detail.
        return bool(assignments(doc.get("segments") or [], await info.context.loaders.segments()))

    @strawberry.field(description="Segments matched, in the order they were assigned.")
    async def segments(self, info: Info) -> list[SegmentAssignment]:
        return assignments(self.doc.get("segments") or [], await info.context.loaders.segments())

    @strawberry.field(
        description="Progress toward every active outcome, and the outcomes achieved, in the "
        "order they were defined."
    )
    async def outcomes(self, info: Info) -> list[OutcomeProgress]:
        return await session_outcomes(self.doc, info)


@strawberry.type(description="One session card with its place in the list.")
class SessionEdge:
    cursor: str = strawberry.field(description="Pass it as `after` to continue after this card.")
    node: Session = strawberry.field(description="The session.")


@strawberry.type(description="A page of session cards, newest first.")
class SessionConnection:
    edges: list[SessionEdge] = strawberry.field(description="The cards, each with its cursor.")
    page_info: PageInfo = strawberry.field(description="Whether more cards follow, and where to continue.")

    @strawberry.field(description="The cards alone, when cursors are not needed.")
    def nodes(self) -> list[Session]:
        return [edge.node for edge in self.edges]


def session_connection(docs: list[dict[str, Any]], size: int, sort) -> SessionConnection:
    docs, more = split_page(docs, size)
    edges = [SessionEdge(cursor=cursor_of(doc, sort), node=Session(doc=doc)) for doc in docs]
    return SessionConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
    )


@strawberry.type(description="The customer at a glance: the header of the customer's cards.")
class CustomerSummary:
    status: SessionStatus = strawberry.field(
        description="ACTIVE while the latest session is; INACTIVE otherwise or with no session."
    )
    current_session: Session | None = strawberry.field(
        permission_classes=[requires(perm.SESSION_VIEW)],
        description="The latest session, active or not; null for a customer with none.",
    )
    pageviews_this_session: int = strawberry.field(description="Pages viewed in the latest session.")


@strawberry.type(
    description="A person visiting the site or talking to the contact centre, known or anonymous.",
)
class Customer:
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The customer's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["_id"])

    @strawberry.field(
        description="Whether the customer gave an email, phone or external id (false: anonymous).",
    )
    def identified(self) -> bool:
        return bool(self.doc.get("identified"))

    @strawberry.field(
        description="Every cookie, email, phone and external id tied to the customer, then those "
        "its browsers claimed without proof (verified false)."
    )
    async def identities(self, info: Info) -> list[Identity]:
        docs = await info.context.loaders.identities.load(self.doc["_id"])
        claims = self.doc.get("claims") or []
        return [
            Identity(type=IdentityType(doc["type"]), value=doc["value"], created_at=doc["createdAt"])
            for doc in docs
        ] + [
            Identity(type=IdentityType(doc["type"]), value=doc["value"], created_at=doc["createdAt"], verified=False)
            for doc in claims
        ]

    @strawberry.field(
        description="What is known of the customer: identified traits, and the browser, device "
        "and geolocation of the latest visit."
    )
    def traits(self) -> JSON:
        return JSON({**(self.doc.get("visitTraits") or {}), **(self.doc.get("traits") or {})})

    @strawberry.field(description="Customer-scope segments, in the order they were assigned.")
    async def segments(self, info: Info) -> list[SegmentAssignment]:
        return assignments(self.doc.get("segments") or [], await info.context.loaders.segments())

    @strawberry.field(description="Set when this customer was merged into another: follow it.")
    def merged_into(self) -> strawberry.ID | None:
        target = self.doc.get("mergedInto")
        return strawberry.ID(target) if target else None

    @strawberry.field(
        description="When the customer was first seen; null for a customer that no longer exists.",
    )
    def created_at(self) -> datetime | None:
        return self.doc.get("createdAt")

    @strawberry.field(description="When the customer's latest event happened.")
    def last_seen_at(self) -> datetime | None:
        return self.doc.get("lastSeenAt")

    @strawberry.field(description="The visitor's current status and page views in the current session.")
    async def summary(self, info: Info) -> CustomerSummary:
        page = await info.context.loaders.session_page.load((self.doc["_id"], 1, None))
        current = page[0] if page else None
        return CustomerSummary(
            status=session_status(current, info) if current else SessionStatus.INACTIVE,
            current_session=Session(doc=current) if current else None,
            pageviews_this_session=current.get("pageviewCount", 0) if current else 0,
        )

    @strawberry.field(
        permission_classes=[requires(perm.SESSION_VIEW)],
        description="Session cards, newest first.",
    )
    async def sessions(
        self, info: Info, first: SessionsFirst = None, after: AfterArgument = None
    ) -> SessionConnection:
        size = page_size(first, default=20, maximum=100)
        key = (self.doc["_id"], size + 1, after_key(after, len(SESSION_ORDER)))
        docs = await info.context.loaders.session_page.load(key)
        return session_connection(docs, size, SESSION_ORDER)


@strawberry.type(description="A live change to a session card.")
class SessionChange:
    kind: SessionChangeKind = strawberry.field(description="What happened to the card.")
    session: Session = strawberry.field(description="The session as it is now.")


@strawberry.type(description="What became of one event sent to trackEvents.")
class EventReceipt:
    id: str | None = strawberry.field(description="The event's id as sent; null when it had none.")
    status: ReceiptStatus = strawberry.field(description="Accepted, a duplicate, or rejected.")
    reason: str | None = strawberry.field(
        description='For a rejected event: the field and the problem, like "events[2].page.url: is required".'
    )
    session_id: strawberry.ID | None = strawberry.field(
        description="The session the event went to; null if rejected.",
    )


@strawberry.type(description="The result of trackEvents: counts, and a receipt per event in the order sent.")
class TrackResult:
    accepted: int = strawberry.field(description="Events stored.")
    duplicates: int = strawberry.field(description="Events already received before, left as they were.")
    rejected: int = strawberry.field(description="Invalid events, not stored; see their receipts.")
    events: list[EventReceipt] = strawberry.field(description="One receipt per event, in the order sent.")
    customer_ids: list[strawberry.ID] = strawberry.field(
        description="The customers the accepted events belong to.",
    )
    session_ids: list[strawberry.ID] = strawberry.field(
        description="The sessions the accepted events went to.",
    )
