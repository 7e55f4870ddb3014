"""Customer mutations: identify, merge, split, erase; and the export query."""

from __future__ import annotations

import json
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from journey.identify.events import identities_of
from journey.incoming import attributes
from schema.inputs import IdentifyInput
from schema.permissions import requires
from schema.types import Customer

CustomerId = Annotated[strawberry.ID, strawberry.argument(description="The customer's id.")]


async def _customer(info: Info, customer_id: str) -> Customer:
    # The mutation changed data: read it afresh.
    doc = await info.context.renew_loaders().customer.load(customer_id)
    if doc is None:
        raise InvalidInput("customerId", "no such customer")
    return Customer(doc=doc)


def _default(value: Any) -> Any:
    """Stored documents as plain JSON: dates as ISO strings, ObjectIds as strings."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(
        permission_classes=[requires(perm.CUSTOMER_EDIT)],
        description="Tie an email, phone or external id to a customer. An anonymous customer "
        "whose identity belongs to a known one is merged into it; two identified customers "
        "are never merged here (the conflict is recorded).",
    )
    async def identify_customer(
        self, info: Info, input: Annotated[IdentifyInput, strawberry.argument(description="Who the customer is.")]
    ) -> Customer:
        services = info.context.services
        values = {"email": input.email, "phone": input.phone, "externalId": input.external_id}
        claimed = identities_of(
            {k: v for k, v in values.items() if v is not None}, "input",
            default_region=services.settings.phone_default_region,
        )
        if not claimed:
            raise InvalidInput("input", "must carry an email, phone or externalId")
        traits = attributes(input.traits, "input.traits")
        await _customer(info, str(input.customer_id))
        outcome = await services.stitcher.identify(
            customer_id=str(input.customer_id), claimed=claimed, traits=traits
        )
        return await _customer(info, outcome.customer_id)

    @strawberry.mutation(
        permission_classes=[requires(perm.CUSTOMER_EDIT)],
        description="Move every session and identity of source into target (undo with splitCustomer).",
    )
    async def merge_customers(
        self,
        info: Info,
        source_id: Annotated[strawberry.ID, strawberry.argument(description="The customer that goes away.")],
        target_id: Annotated[strawberry.ID, strawberry.argument(description="The customer that stays.")],
    ) -> Customer:
        await info.context.services.stitcher.merge(source_id=str(source_id), target_id=str(target_id))
        return await _customer(info, str(target_id))

    @strawberry.mutation(
        permission_classes=[requires(perm.CUSTOMER_EDIT)],
        description="Undo the latest merge of this customer into another; returns it restored.",
    )
    async def split_customer(
        self,
        info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer that was merged away.")],
    ) -> Customer:
        restored = await info.context.services.stitcher.split(source_id=str(customer_id))
        return await _customer(info, restored)

    @strawberry.mutation(
        permission_classes=[requires(perm.CUSTOMER_DELETE)],
        description="Erase a customer with its identities, sessions and events; "
        "returns the number of sessions removed.",
    )
    async def erase_customer(self, info: Info, id: CustomerId) -> int:
        return await info.context.services.stitcher.erase(customer_id=str(id))


@strawberry.type
class CustomerQuery:
    @strawberry.field(
        permission_classes=[requires(perm.CUSTOMER_EXPORT)],
        description="Everything stored about one customer, as JSON; conversations of divisions the "
        "caller does not hold are left out.",
    )
    async def export_customer(self, info: Info, id: CustomerId) -> JSON:
        data = await info.context.services.stitcher.export(
            customer_id=str(id), visible_sessions=info.context.require_principal().session_filter()
        )
        return json.loads(json.dumps(data, default=_default))
