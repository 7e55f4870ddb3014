"""Permission classes for fields: a missing permission is a clear error on that field."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info


@cache
def requires(permission: str) -> type[BasePermission]:
    class Requires(BasePermission):
        required = permission
        message = f"Forbidden: this field requires the '{permission}' permission"
        error_extensions = {"code": "FORBIDDEN", "permission": permission}

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal
            return principal is not None and principal.may(permission)

    Requires.__name__ = Requires.__qualname__ = f"Requires[{permission}]"
    return Requires


class Authenticated(BasePermission):
    message = "Unauthorized: send 'Authorization: Bearer <token>'"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None
