"""Permission classes for fields: a missing permission is a clear error on that field."""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.schema_directive import Location
from strawberry.types import Info


@strawberry.schema_directive(
    name="requires",
    locations=[Location.FIELD_DEFINITION],
    description="The field answers only a caller holding one of these permissions; anyone "
    "else gets a FORBIDDEN error on the field.",
)
class RequiresDirective:
    permissions: list[str] = strawberry.field(
        description="Permissions of which one suffices, like \"journey:customer:view\"."
    )


def _quoted(permissions: tuple[str, ...]) -> str:
    return " or ".join(f"'{permission}'" for permission in permissions)


class PermissionRequirement(BasePermission):
    permissions: tuple[str, ...] = ()
    """Of which one suffices; resolvers.build names them in the description of each field guarded."""


@cache
def requires(*permissions: str) -> type[BasePermission]:
    """A permission class admitting a caller who holds any one of the permissions."""
    if not permissions:
        raise ValueError("requires() needs at least one permission")
    noun = "permission" if len(permissions) == 1 else "permissions"
    extensions: dict[str, Any] = {"code": "FORBIDDEN", "permission": permissions[0]}
    if len(permissions) > 1:
        extensions["anyOf"] = list(permissions)
    accepted = frozenset(permissions)

    class Requires(PermissionRequirement):
        message = f"Forbidden: this field requires the {_quoted(permissions)} {noun}"
        error_extensions = extensions
        _schema_directive = RequiresDirective(permissions=list(permissions))

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            # Runs for every guarded field of every object answered: kept to one set test.
            principal = info.context.principal
            return principal is not None and not accepted.isdisjoint(principal.permissions)

    Requires.permissions = permissions
    Requires.__name__ = Requires.__qualname__ = f"Requires[{'|'.join(permissions)}]"
    return Requires
