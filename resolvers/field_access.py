"""Who may read each field: the permission matrix of the schema.

Sessions and customers are reached from many places (queries, mutation results, pushed
changes), so each of their fields declares its own permission and answers only a caller
holding it, whatever the path. Value types (a page, a browser, an edge of a list) are read
only through a field that already checked its permission: they inherit it. Root fields declare
their permission next to their definition; the few open to any authenticated caller are
listed here.
"""

from __future__ import annotations

from typing import Any, Literal

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from access import permissions as perm
from resolvers.mutation import Mutation
from resolvers.query import Query
from resolvers.subscription import Subscription
from schema import journey_detail, outcomes, pagination, segments, types, viewer, visit_context
from schema.admin import ApiKey, ApiKeyCreated, Deployment, IdentitySecret
from schema.permissions import RequiresDirective, requires

OPEN: Literal["open"] = "open"
"""Any authenticated caller."""
INHERITED: Literal["inherited"] = "inherited"
"""Whoever could read the field that led to the value."""

Access = type[BasePermission] | Literal["open", "inherited"]

LIVE_CARD = requires(perm.VISIT_VIEW, perm.SESSION_VIEW)
"""What Live Now shows of a visit, and every session card too."""
SESSION_DATA = requires(perm.SESSION_VIEW)
CUSTOMER_DATA = requires(perm.CUSTOMER_VIEW)

FIELDS: dict[type, dict[str, Access] | Access] = {
    Query: {"journey_icons": OPEN, "segments": OPEN, "outcomes": OPEN, "viewer": OPEN},
    types.Session: {
        "id": OPEN, "type": OPEN,
        "status": LIVE_CARD, "started_at": LIVE_CARD, "last_activity_at": LIVE_CARD,
        "ended_at": LIVE_CARD, "pageview_count": LIVE_CARD, "event_count": LIVE_CARD,
        "last_page": LIVE_CARD, "context": LIVE_CARD,
        "searches": SESSION_DATA, "conversation": SESSION_DATA, "division_id": SESSION_DATA,
        "has_detail": SESSION_DATA, "segments": SESSION_DATA, "outcomes": SESSION_DATA,
    },
    types.Customer: {
        "id": OPEN,
        "identified": CUSTOMER_DATA, "identities": CUSTOMER_DATA, "traits": CUSTOMER_DATA,
        "segments": CUSTOMER_DATA, "merged_into": CUSTOMER_DATA, "created_at": CUSTOMER_DATA,
        "last_seen_at": CUSTOMER_DATA, "summary": CUSTOMER_DATA,
    },
    types.CustomerSummary: {"status": INHERITED, "pageviews_this_session": INHERITED},
    **dict.fromkeys(
        [
            types.Page, types.SearchPerformed, types.JourneyEvent, types.JourneyEventEdge,
            types.JourneyEventConnection, types.Identity, types.Conversation, types.SessionEdge,
            types.SessionConnection, types.SessionChange, types.EventReceipt, types.TrackResult,
            pagination.PageInfo, journey_detail.EngagementDetail, journey_detail.FormDetail,
            journey_detail.JourneyIcon, visit_context.Browser, visit_context.Device,
            visit_context.Geolocation, visit_context.Referrer, visit_context.Campaign,
            visit_context.VisitContext, segments.Condition, segments.Segment,
            segments.SegmentAssignment, segments.MatchedSegment, outcomes.OutcomeModel, outcomes.ReliabilityBin,
            outcomes.ModelCandidate,
            outcomes.Outcome, outcomes.PredictionFactor, outcomes.OutcomeProgress,
            outcomes.AchievedOutcome, outcomes.OutcomeTraining, ApiKey, ApiKeyCreated, Deployment, IdentitySecret,
            viewer.Viewer,
        ],
        INHERITED,
    ),
}
ROOTS = (Query, Mutation, Subscription)


def declared(owner: type, field: StrawberryField) -> Access | None:
    """The permission a field declares, next to its definition or in FIELDS; None if none."""
    if field.permission_classes:
        (permission,) = field.permission_classes
        return permission
    entry = FIELDS.get(owner)
    if isinstance(entry, dict):
        return entry.get(field.python_name)
    return entry


def _guard(field: StrawberryField, permission: type[BasePermission]) -> None:
    if not field.permission_classes:
        field.extensions.append(PermissionExtension([permission()], use_directives=False))
    directive = getattr(permission, "_schema_directive", None)
    if isinstance(directive, RequiresDirective) and directive not in field.directives:
        field.directives.append(directive)


def _fields(owner: type) -> list[StrawberryField]:
    definition = get_object_definition(owner, strict=True)
    return definition.fields


_guarded = False


def guard_fields() -> None:
    """Make every declared permission hold on its field; runs once, before a schema is built."""
    global _guarded
    if _guarded:
        return
    for owner in {*FIELDS, *ROOTS}:
        for field in _fields(owner):
            access: Any = declared(owner, field)
            if isinstance(access, type):
                _guard(field, access)
    _guarded = True
