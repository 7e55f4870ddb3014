"""Creating API keys and deployments: shared by the CLI and the admin mutations."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from access import permissions
from access.principal import ALL_DIVISIONS, Principal
from access.tokens import hash_secret, new_api_key
from core.errors import InvalidInput
from journey import deployment_ids
from journey.deployment_ids import is_deployment_id
from journey.form_events import SENSITIVE_NAME
from storage import api_keys, deployments
from storage.database import Database

FORM_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


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


def clean_origin(origin: str, field: str) -> str:
    if origin == "*":
        return origin
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise InvalidInput(field, f"'{origin}' is not an origin like https://shop.example")
    return f"{parts.scheme}://{parts.netloc}".lower()


async def save_deployment(
    db: Database, *, deployment_id: str, name: str | None, allowed_origins: list[str],
    form_fields: list[str] | None = None, now: datetime, identity_verification: str | None = None,
) -> dict[str, Any]:
    deployment_id = deployment_id.strip()
    if not is_deployment_id(deployment_id):
        raise InvalidInput("id", deployment_ids.RULE)
    if not allowed_origins:
        raise InvalidInput("allowedOrigins", "must list at least one origin (or \"*\")")
    origins = [clean_origin(o, f"allowedOrigins[{i}]") for i, o in enumerate(allowed_origins)]
    fields = [name.strip() for name in form_fields or []]
    for index, field in enumerate(fields):
        if not FORM_FIELD.match(field):
            raise InvalidInput(f"formFields[{index}]", "must be a field name of letters, digits, _ . -")
        if SENSITIVE_NAME.search(field):
            raise InvalidInput(f"formFields[{index}]", f"'{field}' looks like a password or card field")
    if identity_verification not in (None, "OFF"):
        existing = await deployments.find(db, deployment_id=deployment_id)
        if not (existing and existing.get("identitySecret")):
            raise InvalidInput("identityVerification", "needs an identity secret first: call rotateIdentitySecret")
    return await deployments.upsert(
        db, deployment_id=deployment_id, name=(name or deployment_id).strip(),
        allowed_origins=origins, form_fields=fields, now=now, identity_verification=identity_verification,
    )


__all__ = ["ALL_DIVISIONS", "clean_origin", "create_api_key", "save_deployment"]
