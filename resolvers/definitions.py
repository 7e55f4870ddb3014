"""The admin mutations segments and outcomes share: create, replace, switch on or off and
delete a definition, with the same checks and the same errors for both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import strawberry
from strawberry.types import Info

from core.errors import InvalidInput
from journey.versioned_catalog import VersionedCatalog
from resolvers.context import Services
from storage.definitions import VersionedDefinitions

SwitchedOn = Annotated[bool, strawberry.argument(description="True to switch it on, false to switch it off.")]


def definitions_as_stored(plural: str) -> str:
    """How the listing of definitions answers during a store outage, for its description."""
    return (
        f"Always the {plural} as stored, never a copy that may be out of date: while the store cannot be "
        "reached, an UNAVAILABLE error whose retryAfter says in how many seconds to ask again."
    )


class DefinitionInput(Protocol):
    def definition(self, previous: dict[str, Any] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class DefinitionAdmin[T]:
    noun: str
    """What one definition is called in errors: "segment"."""
    stored: VersionedDefinitions
    most: int
    """How many may be defined at once."""
    catalog: Callable[[Services], VersionedCatalog[Any]]
    """The instance's cached copy, told of every change made here."""
    shown: Callable[[dict[str, Any]], T]
    """A stored definition as the API returns it."""

    async def listing(self, info: Info) -> list[dict[str, Any]]:
        return await self.stored.listing(info.context.services.db)

    async def create(self, info: Info, given: DefinitionInput) -> T:
        services = info.context.services
        definition = given.definition()
        if await self.stored.count(services.db) >= self.most:
            raise InvalidInput(self.stored.name, f"at most {self.most}; delete unused ones first")
        doc = await self.stored.create(services.db, definition=definition, now=services.clock.now())
        self.catalog(services).invalidate()
        return self.shown(doc)

    async def replace(self, info: Info, definition_id: strawberry.ID, given: DefinitionInput) -> T:
        """Fields the input leaves out keep their stored value; changed conditions make a
        new revision."""
        current = await self.stored.find(info.context.services.db, str(definition_id))
        if current is None:
            raise InvalidInput("id", f"no such {self.noun}")
        definition = given.definition(previous=current)
        new_revision = definition["conditions"] != current["conditions"]
        return await self._changed(info, definition_id, definition, new_revision=new_revision)

    async def set_active(self, info: Info, definition_id: strawberry.ID, active: bool) -> T:
        return await self._changed(info, definition_id, {"active": active}, new_revision=False)

    async def delete(self, info: Info, definition_id: strawberry.ID) -> bool:
        services = info.context.services
        deleted = await self.stored.delete(services.db, str(definition_id))
        if deleted:
            self.catalog(services).invalidate()
        return deleted

    async def _changed(
        self, info: Info, definition_id: strawberry.ID, changes: dict[str, Any], *, new_revision: bool
    ) -> T:
        services = info.context.services
        doc = await self.stored.update(
            services.db, str(definition_id), changes=changes, new_revision=new_revision, now=services.clock.now()
        )
        if doc is None:
            raise InvalidInput("id", f"no such {self.noun}")
        self.catalog(services).invalidate()
        return self.shown(doc)
