"""Creating API keys: shared by the CLI and the admin mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from access import permissions
from access.principal import ALL_DIVISIONS, Principal
from access.tokens import hash_secret, new_api_key
from core.errors import InvalidInput
from storage import api_keys
from storage.database import Database


async def create_api_key(
    db: Database, *, name: str, grants: list[str], divisions: list[str], now: datetime,
    creator: Principal | None = None,
) -> tuple[dict[str, Any], str]:
    """Returns the stored record (no secret) and the token to show once. A `creator` (the
    caller of the API; the command line has none) can only hand out what it holds."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("name", "must be 1 to 100 characters")
    unknown = sorted(set(grants) - permissions.ALL)
    if unknown:
        raise InvalidInput("permissions", f"unknown permission '{unknown[0]}'")
    if not grants:
        raise InvalidInput("permissions", "must name at least one permission")
    for division in divisions:
        if not division.strip() or len(division) > 100:
            raise InvalidInput("divisions", "each division must be 1 to 100 characters")
    if creator is not None:
        _within_creator(creator, grants, divisions)
    prefix, secret, token = new_api_key()
    record = await api_keys.create(
        db, prefix=prefix, secret_hash=hash_secret(secret), name=name,
        permissions=grants, divisions=divisions, now=now,
    )
    record.pop("secretHash")
    return record, token


def _within_creator(creator: Principal, grants: list[str], divisions: list[str]) -> None:
    beyond = sorted(set(grants) - creator.permissions)
    if beyond:
        raise InvalidInput(
            "permissions", f"'{beyond[0]}' is not held by the caller; a key can only grant what its creator holds"
        )
    if creator.all_divisions:
        return
    beyond = sorted(set(divisions) - creator.divisions)
    if beyond:
        raise InvalidInput(
            "divisions", f"'{beyond[0]}' is not held by the caller; a key can only reach the creator's divisions"
        )


__all__ = ["ALL_DIVISIONS", "create_api_key"]
