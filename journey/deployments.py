"""Saving a deployment (a website that sends events): its settings checked, then stored.
Shared by the CLI and the admin mutations."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from core.errors import InvalidInput
from journey import deployment_ids
from journey.deployment_ids import is_deployment_id
from journey.forms.events import SENSITIVE_NAME
from storage import deployments
from storage.database import Database
from storage.documents import DeploymentDocument

FORM_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


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
) -> DeploymentDocument:
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
