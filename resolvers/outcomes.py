"""Outcomes: listing them, the admin mutations that define them, and training their models."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import permissions as perm
from core.errors import InvalidInput
from journey.outcomes import definitions
from schema.outcomes import Outcome, OutcomeInput, OutcomeTraining
from schema.permissions import requires
from storage import outcomes as stored_outcomes

EDIT = [requires(perm.OUTCOME_EDIT)]
OutcomeId = Annotated[strawberry.ID, strawberry.argument(description="The outcome's id.")]
OutcomeDefinition = Annotated[OutcomeInput, strawberry.argument(description="The outcome's definition.")]


def _outcome(doc: dict) -> Outcome:
    return Outcome.of(definitions.Outcome.from_doc(doc))


async def _existing(info: Info, outcome_id: strawberry.ID) -> dict:
    doc = await stored_outcomes.find(info.context.services.db, outcome_id=str(outcome_id))
    if doc is None:
        raise InvalidInput("id", "no such outcome")
    return doc


async def _changed(info: Info, outcome_id: strawberry.ID, changes: dict, *, new_revision: bool) -> Outcome:
    services = info.context.services
    doc = await stored_outcomes.update(
        services.db, outcome_id=str(outcome_id), changes=changes,
        new_revision=new_revision, now=services.clock.now(),
    )
    if doc is None:
        raise InvalidInput("id", "no such outcome")
    services.outcomes.invalidate()
    return _outcome(doc)


@strawberry.type
class OutcomeQuery:
    @strawberry.field(description="Every outcome, oldest first.")
    async def outcomes(self, info: Info) -> list[Outcome]:
        info.context.require_principal()
        return [_outcome(doc) for doc in await stored_outcomes.listing(info.context.services.db)]


@strawberry.type
class OutcomeMutation:
    @strawberry.mutation(
        permission_classes=EDIT,
        description="Achieved by events from now on; every session shows its progress toward it at "
        "once and pushes it at its next event.",
    )
    async def create_outcome(self, info: Info, input: OutcomeDefinition) -> Outcome:
        services = info.context.services
        definition = input.definition()
        if await stored_outcomes.count(services.db) >= definitions.MAX_OUTCOMES:
            raise InvalidInput("outcomes", f"at most {definitions.MAX_OUTCOMES}; delete unused ones first")
        doc = await stored_outcomes.create(services.db, definition=definition, now=services.clock.now())
        services.outcomes.invalidate()
        return _outcome(doc)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="Replaces the definition. Changed conditions start every session's progress afresh "
        "and retire the model until the next training; achievements made stay.",
    )
    async def update_outcome(self, info: Info, id: OutcomeId, input: OutcomeDefinition) -> Outcome:
        current = await _existing(info, id)
        definition = input.definition(previous=current)
        return await _changed(
            info, id, definition, new_revision=definition["conditions"] != current["conditions"]
        )

    @strawberry.mutation(
        permission_classes=EDIT,
        description="An inactive outcome is neither predicted nor achieved; achievements made stay.",
    )
    async def set_outcome_active(
        self,
        info: Info,
        id: OutcomeId,
        active: Annotated[bool, strawberry.argument(description="True to switch it on, false to switch it off.")],
    ) -> Outcome:
        return await _changed(info, id, {"active": active}, new_revision=False)

    @strawberry.mutation(
        permission_classes=EDIT,
        description="True if the outcome existed. It leaves outcomes and Session.outcomes, and its "
        "model goes with it; its OUTCOME_ACHIEVED items stay on journey maps.",
    )
    async def delete_outcome(self, info: Info, id: OutcomeId) -> bool:
        services = info.context.services
        deleted = await stored_outcomes.delete(services.db, outcome_id=str(id))
        if deleted:
            services.outcomes.invalidate()
        return deleted

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
