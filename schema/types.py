"""GraphQL object types. They read through the per-request loaders only: no storage calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from access import permissions as perm
from loaders import JOURNEY_ORDER, SESSION_ORDER
from resolvers.permissions import requires
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
from schema.pagination import PageInfo, after_key, cursor_of, page_size, split_page
from schema.segments import MatchedSegment, SegmentAssignment, assignments
from schema.visit_context import VisitContext


@strawberry.type
class Page:
    url: str
    title: str | None


@strawberry.type
class SearchPerformed:
    query: str
    occurred_at: datetime


@strawberry.type(description="One item on a session's journey map.")
class JourneyEvent:
    id: strawberry.ID
    kind: JourneyEventKind
    icon: str
    occurred_at: datetime
    session_id: strawberry.ID
    name: str = strawberry.field(
        description="pageview, search, the custom event's name, or the matched segment's name."
    )
    page: Page | None
    referrer: str | None
    query: str | None
    attributes: JSON
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
            attributes=doc.get("attributes") or {},
            segment=MatchedSegment.from_doc(doc.get("segment")),
            outcome=AchievedOutcome.from_doc(doc.get("outcome")),
            engagement=EngagementDetail.from_doc(doc.get("engagement")),
            form=FormDetail.from_doc(doc.get("form")),
        )


@strawberry.type
class JourneyEventEdge:
    cursor: str
    node: JourneyEvent


@strawberry.type
class JourneyEventConnection:
    edges: list[JourneyEventEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[JourneyEvent]:
        return [edge.node for edge in self.edges]


@strawberry.type
class Identity:
    type: IdentityType
    value: str
    created_at: datetime


@strawberry.enum(description="How an agent console colours a conversation card.")
class ConversationState(Enum):
    ACTIVE = "ACTIVE"
    WRAPPED_UP = "WRAPPED_UP"
    ENDED = "ENDED"
    ABANDONED = "ABANDONED"


@strawberry.type
class Conversation:
    channel: str
    direction: str
    queue: str | None
    agent: str | None
    subject: str | None
    disposition: str | None = strawberry.field(description="ANSWERED, ABANDONED or TRANSFERRED.")
    wrap_up_code: str | None
    started_at: datetime
    queued_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    web_session_id: strawberry.Private[str | None]

    @strawberry.field
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


def session_status(doc: dict[str, Any], info: Info) -> SessionStatus:
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
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["_id"])

    @strawberry.field
    def type(self) -> SessionType:
        return SessionType(self.doc["type"])

    @strawberry.field
    def status(self, info: Info) -> SessionStatus:
        return session_status(self.doc, info)

    @strawberry.field(permission_classes=[requires(perm.CUSTOMER_VIEW)])
    async def customer(self, info: Info) -> Customer:
        doc = await info.context.loaders.customer.load(self.doc["customerId"])
        return Customer(doc=doc or {"_id": self.doc["customerId"]})

    @strawberry.field
    def started_at(self) -> datetime:
        return self.doc["startedAt"]

    @strawberry.field
    def last_activity_at(self) -> datetime:
        return self.doc["lastActivityAt"]

    @strawberry.field
    def ended_at(self) -> datetime | None:
        return self.doc.get("endedAt")

    @strawberry.field
    def pageview_count(self) -> int:
        return self.doc.get("pageviewCount", 0)

    @strawberry.field
    def event_count(self) -> int:
        return self.doc.get("eventCount", 0)

    @strawberry.field
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
        self, info: Info, first: int | None = None, after: str | None = None
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
        description="Whether the card has detail to expand: segments, searches or outcomes (S9)."
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
        description="Progress toward every active outcome (S13), and the outcomes achieved, in the "
        "order they were defined."
    )
    async def outcomes(self, info: Info) -> list[OutcomeProgress]:
        return await session_outcomes(self.doc, info)


@strawberry.type
class SessionEdge:
    cursor: str
    node: Session


@strawberry.type
class SessionConnection:
    edges: list[SessionEdge]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[Session]:
        return [edge.node for edge in self.edges]


def session_connection(docs: list[dict[str, Any]], size: int, sort) -> SessionConnection:
    docs, more = split_page(docs, size)
    edges = [SessionEdge(cursor=cursor_of(doc, sort), node=Session(doc=doc)) for doc in docs]
    return SessionConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
    )


@strawberry.type
class CustomerSummary:
    status: SessionStatus
    current_session: Session | None = strawberry.field(
        permission_classes=[requires(perm.SESSION_VIEW)]
    )
    pageviews_this_session: int


@strawberry.type
class Customer:
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["_id"])

    @strawberry.field
    def identified(self) -> bool:
        return bool(self.doc.get("identified"))

    @strawberry.field
    async def identities(self, info: Info) -> list[Identity]:
        docs = await info.context.loaders.identities.load(self.doc["_id"])
        return [
            Identity(type=IdentityType(doc["type"]), value=doc["value"], created_at=doc["createdAt"])
            for doc in docs
        ]

    @strawberry.field(
        description="What is known of the customer: identified traits, and the browser, device "
        "and geolocation of the latest visit."
    )
    def traits(self) -> JSON:
        return {**(self.doc.get("visitTraits") or {}), **(self.doc.get("traits") or {})}

    @strawberry.field(description="Customer-scope segments, in the order they were assigned.")
    async def segments(self, info: Info) -> list[SegmentAssignment]:
        return assignments(self.doc.get("segments") or [], await info.context.loaders.segments())

    @strawberry.field(description="Set when this customer was merged into another: follow it.")
    def merged_into(self) -> strawberry.ID | None:
        target = self.doc.get("mergedInto")
        return strawberry.ID(target) if target else None

    @strawberry.field
    def created_at(self) -> datetime | None:
        return self.doc.get("createdAt")

    @strawberry.field
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
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> SessionConnection:
        size = page_size(first, default=20, maximum=100)
        key = (self.doc["_id"], size + 1, after_key(after, len(SESSION_ORDER)))
        docs = await info.context.loaders.session_page.load(key)
        return session_connection(docs, size, SESSION_ORDER)


@strawberry.type
class SessionChange:
    kind: SessionChangeKind
    session: Session


@strawberry.type
class EventReceipt:
    id: str | None
    status: ReceiptStatus
    reason: str | None
    session_id: strawberry.ID | None


@strawberry.type
class TrackResult:
    accepted: int
    duplicates: int
    rejected: int
    events: list[EventReceipt]
    customer_ids: list[strawberry.ID]
    session_ids: list[strawberry.ID]
