"""The documents the store holds for events, sessions, customers and browsers, as the
code reads and writes them.

Fields every document of a collection has are required; fields only some have (a journey
item of one kind, a web session but not a conversation, what a stage adds) are not.
Fields a stage keeps under a path of its own (segment and outcome state, engagement
state, features) are typed loosely: their stage owns their shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, Required, TypedDict

from bson import ObjectId


class Page(TypedDict):
    url: str
    title: NotRequired[str | None]


class EventDocument(TypedDict, total=False):
    """One item on a journey map: a tracked event, an item derived from one (a search
    found in a URL, a matched segment, an achieved outcome) or a conversation milestone."""

    _id: Required[ObjectId]
    dedupeKey: Required[str]
    type: Required[str]
    kind: Required[str]
    name: Required[str]
    occurredAt: Required[datetime]
    receivedAt: datetime
    icon: str
    clientEventId: str
    deploymentId: str
    cookieId: str
    sessionId: str
    customerId: str
    page: Page | None
    referrer: str | None
    query: str | None
    attributes: dict[str, Any]
    display: dict[str, Any]
    identify: dict[str, Any]
    """Identities to stitch, identities only claimed, and traits."""
    form: dict[str, Any]
    engagement: dict[str, Any]
    segment: dict[str, Any]
    outcome: dict[str, Any]
    features: dict[str, Any]
    """The session's prediction features after this item (outcome training reads them)."""
    ingestBatch: str
    """The token of the batch part that stored it (see storage.events)."""
    acted: bool
    """An identify or logout whose identity action was carried out."""


class StoredEventRef(TypedDict, total=False):
    """What ingest reads back of an event already stored, to tell a repeat from a retry."""

    _id: Required[ObjectId]
    dedupeKey: Required[str]
    sessionId: str
    type: str
    ingestBatch: str
    acted: bool


class SearchEntry(TypedDict):
    query: str
    occurredAt: datetime


class SessionDocument(TypedDict, total=False):
    """A card of a customer: a web session of one browser, or a conversation."""

    _id: Required[str]
    customerId: Required[str]
    type: str
    """WEB or CONVERSATION."""
    status: str
    """ACTIVE or INACTIVE."""
    deploymentId: str
    cookieId: str
    seq: int
    divisionId: str | None
    startedAt: datetime
    lastActivityAt: datetime
    endedAt: datetime
    eventCount: int
    pageviewCount: int
    lastPage: dict[str, Any]
    searches: list[SearchEntry]
    appliedBatches: list[str]
    context: dict[str, Any]
    segments: list[dict[str, Any]]
    segmentState: dict[str, Any]
    outcomes: list[dict[str, Any]]
    outcomeState: dict[str, Any]
    features: dict[str, Any]
    engagements: dict[str, Any]
    conversationId: str
    conversation: dict[str, Any]
    createdAt: datetime
    updatedAt: datetime


class CustomerDocument(TypedDict, total=False):
    """A person, anonymous (one per browser) until identified; a merged one stays as a
    pointer to the customer it was merged into."""

    _id: Required[str]
    createdAt: datetime
    lastSeenAt: datetime
    identified: bool
    identifiedAt: datetime
    traits: dict[str, Any]
    visitTraits: dict[str, Any]
    claims: list[dict[str, Any]]
    segments: list[dict[str, Any]]
    history: dict[str, Any]
    countedBatches: list[str]
    historyBefore: dict[str, Any]
    mergedInto: str
    mergedAt: datetime


class DeploymentDocument(TypedDict, total=False):
    """A site allowed to send events: where from, which form fields it may send, and how
    its visitors' identities are verified."""

    _id: Required[str]
    name: str
    allowedOrigins: list[str]
    formFields: list[str]
    identityVerification: str
    identitySecret: str
    createdAt: datetime
    updatedAt: datetime


class WebCursor(TypedDict, total=False):
    """Where a browser's web sessions stand: its latest session, that session's last
    activity, and whether the browser closed it (a logout); and how many turns have been
    taken on it."""

    seq: int
    lastActivityAt: datetime
    closed: bool
    claims: int
    """Turns taken on the browser so far (storage.identities.CLAIMS)."""


class IdentityDocument(TypedDict, total=False):
    """How a customer is recognised: a browser's cookie (with its web-session cursor),
    an email, a phone number or an external id."""

    _id: Required[str]
    type: Required[str]
    value: Required[str]
    customerId: Required[str]
    createdAt: datetime
    web: WebCursor
