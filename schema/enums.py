from enum import Enum

import strawberry


@strawberry.enum
class SessionType(Enum):
    WEB = "WEB"
    CONVERSATION = "CONVERSATION"


@strawberry.enum(description="Card colour: ACTIVE is blue, INACTIVE is gray.")
class SessionStatus(Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


@strawberry.enum
class IdentityType(Enum):
    COOKIE = "COOKIE"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    EXTERNAL_ID = "EXTERNAL_ID"


@strawberry.enum
class JourneyEventKind(Enum):
    PAGEVIEW = "PAGEVIEW"
    SEARCH = "SEARCH"
    CUSTOM = "CUSTOM"
    FORM_SUBMITTED = "FORM_SUBMITTED"
    FORM_ABANDONED = "FORM_ABANDONED"
    WEB_ACTION = "WEB_ACTION"
    SEGMENT_MATCHED = "SEGMENT_MATCHED"
    OUTCOME_ACHIEVED = "OUTCOME_ACHIEVED"
    IDENTIFIED = "IDENTIFIED"
    CONVERSATION = "CONVERSATION"


@strawberry.enum(description="What happened to a session card.")
class SessionChangeKind(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    INACTIVE = "INACTIVE"
    MOVED = strawberry.enum_value(
        "MOVED", description="The session changed customer (stitched, merged or split); see session.customer."
    )
    REMOVED = strawberry.enum_value("REMOVED", description="The session was erased.")


@strawberry.enum
class TrackEventType(Enum):
    PAGEVIEW = "pageview"
    SEARCH = "search"
    CUSTOM = "custom"
    IDENTIFY = "identify"
    LOGOUT = "logout"


@strawberry.enum
class ReceiptStatus(Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
