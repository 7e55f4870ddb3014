from enum import Enum

import strawberry
from strawberry import enum_value


@strawberry.enum(
    description="What a session card records: a visit to the website, or a contact-centre conversation.",
)
class SessionType(Enum):
    WEB = enum_value("WEB", description="A visit to the website: page views, searches and events.")
    CONVERSATION = enum_value(
        "CONVERSATION", description="A call, email, message or chat recorded by the contact centre."
    )


@strawberry.enum(description="Card colour: ACTIVE is blue, INACTIVE is gray.")
class SessionStatus(Enum):
    ACTIVE = enum_value("ACTIVE", description="The visitor is on the site now, or the conversation is open.")
    INACTIVE = enum_value(
        "INACTIVE", description="The session has ended, or a web visitor has been idle past the session timeout."
    )


@strawberry.enum(description="The kind of value that identifies a customer.")
class IdentityType(Enum):
    _value_: str  # the string passed to enum_value

    COOKIE = enum_value("COOKIE", description="The tracking cookie of one browser (anonymous).")
    EMAIL = enum_value("EMAIL", description="An email address, stored lower-cased.")
    PHONE = enum_value("PHONE", description="A phone number, stored in E.164 form (+441632960961).")
    EXTERNAL_ID = enum_value(
        "EXTERNAL_ID", description="The site's own customer id, such as a CRM or account number."
    )


@strawberry.enum(
    description="What a journey map item records; it decides which of the item's fields are set.",
)
class JourneyEventKind(Enum):
    PAGEVIEW = enum_value("PAGEVIEW", description="A page was viewed: see page and referrer.")
    SEARCH = enum_value("SEARCH", description="The visitor searched the site: see query.")
    CUSTOM = enum_value(
        "CUSTOM", description="An event the site named itself (add_to_cart, purchase…): see name and attributes."
    )
    FORM_SUBMITTED = enum_value("FORM_SUBMITTED", description="A form was submitted: see form.")
    FORM_ABANDONED = enum_value("FORM_ABANDONED", description="A form was started and left unsent: see form.")
    WEB_ACTION = enum_value(
        "WEB_ACTION",
        description="A step of an engagement (chat offer, content…) offered to the visitor: see engagement.",
    )
    SEGMENT_MATCHED = enum_value(
        "SEGMENT_MATCHED", description="The session or customer joined a segment: see segment."
    )
    OUTCOME_ACHIEVED = enum_value(
        "OUTCOME_ACHIEVED", description="The session achieved an outcome: see outcome."
    )
    IDENTIFIED = enum_value(
        "IDENTIFIED",
        description="The visitor said who they are (signed in, gave an email…): the card now shows a known customer.",
    )
    CONVERSATION = enum_value(
        "CONVERSATION", description="A milestone of a conversation: started, queued, connected to an agent or ended."
    )


@strawberry.enum(description="What happened to a session card.")
class SessionChangeKind(Enum):
    CREATED = enum_value("CREATED", description="A new session started: add its card.")
    UPDATED = enum_value(
        "UPDATED", description="The session changed (counters, last page, segments…): redraw its card."
    )
    INACTIVE = enum_value("INACTIVE", description="The session ended or went idle: colour its card gray.")
    MOVED = enum_value(
        "MOVED", description="The session changed customer (stitched, merged or split); see session.customer."
    )
    REMOVED = enum_value("REMOVED", description="The session was erased.")


@strawberry.enum(description="The type of an event sent to trackEvents.")
class TrackEventType(Enum):
    PAGEVIEW = enum_value("pageview", description="A page was viewed; needs page.")
    SEARCH = enum_value("search", description="The visitor searched the site; needs query.")
    CUSTOM = enum_value(
        "custom", description="An event the site names itself; needs name, may carry attributes."
    )
    IDENTIFY = enum_value(
        "identify", description="The visitor said who they are; traits carries email, phone or externalId."
    )
    LOGOUT = enum_value(
        "logout",
        description="The visitor signed out: what the browser does next belongs to a new anonymous customer.",
    )


@strawberry.enum(description="What became of one event sent to trackEvents.")
class ReceiptStatus(Enum):
    ACCEPTED = enum_value("accepted", description="Stored and shown on the journey map.")
    DUPLICATE = enum_value(
        "duplicate", description="An event with this id was already received; nothing changed."
    )
    REJECTED = enum_value(
        "rejected", description="Invalid and not stored: reason names the field and the problem."
    )
