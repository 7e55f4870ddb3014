"""Who is asking: the permissions and divisions a caller holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from access import permissions

ALL_DIVISIONS = "*"


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    permissions: frozenset[str]
    divisions: frozenset[str]

    @classmethod
    def admin(cls) -> Principal:
        return cls(name="admin", permissions=permissions.ALL, divisions=frozenset({ALL_DIVISIONS}))

    def may(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def all_divisions(self) -> bool:
        return ALL_DIVISIONS in self.divisions

    def holds_division(self, division: str) -> bool:
        return self.all_divisions or division in self.divisions

    def sees_session(self, session: dict[str, Any]) -> bool:
        """Web sessions are not division-aware; conversation sessions are (S2)."""
        if session.get("type") != "CONVERSATION" or self.all_divisions:
            return True
        return session.get("divisionId") in self.divisions

    def session_filter(self) -> dict[str, Any]:
        """The same rule as sees_session, as a query filter."""
        if self.all_divisions:
            return {}
        return {"$or": [{"type": {"$ne": "CONVERSATION"}}, {"divisionId": {"$in": sorted(self.divisions)}}]}
