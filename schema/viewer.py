"""Who is calling: what a UI needs to ask only for what the caller may read."""

from __future__ import annotations

import strawberry

from access.principal import ALL_DIVISIONS, Principal


@strawberry.type(description="The caller: the key or token this request is made with, and what it may do.")
class Viewer:
    name: str = strawberry.field(description="The API key's name, the JWT's subject, or admin.")
    permissions: list[str] = strawberry.field(
        description="Every permission it holds, sorted, like journey:visit:view; a UI leaves out "
        "what needs one that is missing."
    )
    divisions: list[str] = strawberry.field(
        description='The divisions whose conversation cards it sees; ["*"] for every division.'
    )

    @classmethod
    def of(cls, principal: Principal) -> Viewer:
        divisions = [ALL_DIVISIONS] if principal.all_divisions else sorted(principal.divisions)
        return cls(name=principal.name, permissions=sorted(principal.permissions), divisions=divisions)
