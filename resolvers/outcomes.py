"""Outcomes: listing them, the admin mutations that define them, and training their models."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from journey.outcomes import definitions
from resolvers.definitions import DefinitionAdmin, SwitchedOn, definitions_as_stored
from schema.outcomes import Outcome, OutcomeInput, OutcomeTraining
from schema.permissions import requires
from storage.outcomes import OUTCOMES

EDIT = [requires(perm.OUTCOME_EDIT)]
OutcomeId = Annotated[strawberry.ID, strawberry.argument(description="The outcome's id.")]
OutcomeDefinition = Annotated[OutcomeInput, strawberry.argument(description="The outcome's definition.")]


def _outcome(doc: dict) -> Outcome:
    return Outcome.of(definitions.Outcome.from_doc(doc))


ADMIN = DefinitionAdmin(
    noun="outcome", stored=OUTCOMES, most=definitions.MAX_OUTCOMES,
    catalog=lambda services: services.outcomes, shown=_outcome,
)


@strawberry.type
class OutcomeQuery:
    @strawberry.field(description="Every outcome, oldest first. " + definitions_as_stored("outcomes"))
    async def outcomes(self, info: Info) -> list[Outcome]:
        info.context.require_principal()
        return [_outcome(doc) for doc in await ADMIN.listing(info)]


@strawberry.type
class OutcomeMutation:
    @strawberry.mutation(
        permission_classes=EDIT,
        description="Achieved by events from now on; every session shows its progress toward it at "
        "once and pushes it at its next event.",
    )
    async def create_outcome(self, info: Info, input: OutcomeDefinition) -> Outcome:
        return await ADMIN.create(info, input)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="Replaces the definition. Changed conditions start every session's progress afresh "
        "and retire the model until the next training; achievements made stay.",
    )
    async def update_outcome(self, info: Info, id: OutcomeId, input: OutcomeDefinition) -> Outcome:
        return await ADMIN.replace(info, id, input)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="An inactive outcome is neither predicted nor achieved; achievements made stay.",
    )
    async def set_outcome_active(self, info: Info, id: OutcomeId, active: SwitchedOn) -> Outcome:
        return await ADMIN.set_active(info, id, active)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="True if the outcome existed. It leaves outcomes and Session.outcomes, and its "
        "model goes with it; its OUTCOME_ACHIEVED items stay on journey maps.",
    )
    async def delete_outcome(self, info: Info, id: OutcomeId) -> bool:
        return await ADMIN.delete(info, id)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="Retrains every active outcome's model on the latest ended sessions now, "
        "as the schedule does; every instance scores with the new models at its next refresh.",
    )
    async def train_outcome_models(self, info: Info) -> list[OutcomeTraining]:
        services = info.context.services
        reports = await services.trainer.train()
        catalog = await services.outcomes.current()
        return [
            OutcomeTraining(
                outcome=Outcome.of(catalog.by_id[report.outcome_id]), trained=report.trained,
                rows=report.rows, positives=report.positives, reason=report.reason,
            )
            for report in reports
            if report.outcome_id in catalog.by_id
        ]
