"""Root query fields."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from identity import InvalidIdentity, normalize_identity
from loaders import SESSION_ORDER
from resolvers.customers import CustomerQuery
from resolvers.outcomes import OutcomeQuery
from resolvers.segments import SegmentQuery
from schema.enums import IdentityType
from schema.journey_detail import JourneyIcon
from schema.pagination import AfterArgument, after_key, first_argument, page_size
from schema.permissions import requires
from schema.types import Customer, Session, SessionConnection, session_connection
from schema.viewer import Viewer
from storage import identities, sessions

MAX_IDS = 100
LiveFirst = Annotated[int | None, first_argument(default=50, maximum=200)]
CustomerId = Annotated[strawberry.ID, strawberry.argument(description="The customer's id.")]
SessionId = Annotated[strawberry.ID, strawberry.argument(description="The session's id.")]


@strawberry.type(
    description="What can be read: customers, their session cards and journeys, Live Now, segments and outcomes.",
)
class Query(CustomerQuery, SegmentQuery, OutcomeQuery):
    @strawberry.field(
        description="Who is calling and with which permissions: ask it first, then query only what may be read."
    )
    def viewer(self, info: Info) -> Viewer:
        return Viewer.of(info.context.require_principal())

    @strawberry.field(description="Every icon name a journey item can carry, with what it means.")
    def journey_icons(self, info: Info) -> list[JourneyIcon]:
        legend = info.context.services.event_types.icons.legend
        return [JourneyIcon(name=name, description=text) for name, text in sorted(legend.items())]

    @strawberry.field(
        permission_classes=[requires(perm.CUSTOMER_VIEW)],
        description="One customer; null when there is none with this id.",
    )
    async def customer(self, info: Info, id: CustomerId) -> Customer | None:
        doc = await info.context.loaders.customer.load(str(id))
        return Customer(doc=doc) if doc else None

    @strawberry.field(
        permission_classes=[requires(perm.CUSTOMER_VIEW)],
        description="The customer a cookie, email, phone or external id belongs to "
        "(the value is normalised first, as at ingest).",
    )
    async def customer_by_identity(
        self,
        info: Info,
        type: Annotated[IdentityType, strawberry.argument(description="What kind of value it is.")],
        value: Annotated[str, strawberry.argument(description="The cookie id, email, phone or external id.")],
    ) -> Customer | None:
        services = info.context.services
        try:
            normalized = normalize_identity(
                type.value, value, default_region=services.settings.phone_default_region
            )
        except InvalidIdentity as error:
            raise InvalidInput("value", str(error)) from None
        found = await identities.find(services.db, kind=type.value, value=normalized)
        if found is None:
            return None
        doc = await info.context.loaders.customer.load(found["customerId"])
        return Customer(doc=doc) if doc else None

    @strawberry.field(
        permission_classes=[requires(perm.SESSION_VIEW)],
        description="One session card; null when absent or not visible to the caller.",
    )
    async def session(self, info: Info, id: SessionId) -> Session | None:
        doc = await info.context.loaders.session.load(str(id))
        return Session(doc=doc) if doc else None

    @strawberry.field(
        permission_classes=[requires(perm.SESSION_VIEW)],
        description="Several cards at once (every expanded card); null where absent or not visible.",
    )
    async def sessions(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"The sessions' ids, at most {MAX_IDS}; answered in the same order.",
            ),
        ],
    ) -> list[Session | None]:
        if len(ids) > MAX_IDS:
            raise InvalidInput("ids", f"must name at most {MAX_IDS} sessions")
        docs = await info.context.loaders.session.load_many([str(i) for i in ids])
        return [Session(doc=doc) if doc else None for doc in docs]

    @strawberry.field(
        permission_classes=[requires(perm.VISIT_VIEW)],
        description="Live Now: active web sessions, newest first.",
    )
    async def live_visitors(
        self, info: Info, first: LiveFirst = None, after: AfterArgument = None
    ) -> SessionConnection:
        services = info.context.services
        size = page_size(first, default=50, maximum=200)
        docs = await sessions.live(
            services.db,
            idle_before=sessions.idle_cutoff(
                services.clock.now(), services.settings.session_timeout_seconds
            ),
            limit=size + 1,
            after=after_key(after, len(SESSION_ORDER)),
        )
        for doc in docs:
            info.context.loaders.prime_session(doc)
        return session_connection(docs, size, SESSION_ORDER)
