"""Mutations that change who may do what: API keys and deployments."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from access import keys
from access import permissions as perm
from resolvers.permissions import requires
from storage import api_keys


@strawberry.type
class ApiKey:
    prefix: str
    name: str
    permissions: list[str]
    divisions: list[str]
    created_at: datetime
    revoked_at: datetime | None


@strawberry.type
class ApiKeyCreated:
    key: ApiKey
    token: str = strawberry.field(description="Shown once: only a hash is stored.")


@strawberry.type
class Deployment:
    id: strawberry.ID
    name: str
    allowed_origins: list[str]
    form_fields: list[str]


@strawberry.input
class ApiKeyInput:
    name: str
    permissions: list[str]
    divisions: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class DeploymentInput:
    id: strawberry.ID
    name: str | None = None
    allowed_origins: list[str] = strawberry.field(
        description='Origins allowed to send events, like "https://shop.example"; "*" for any.'
    )
    form_fields: list[str] = strawberry.field(
        default_factory=list,
        description="Form fields whose values are kept on form events; any other field is "
        "dropped, and passwords and card numbers always are.",
    )


def api_key(record: dict) -> ApiKey:
    return ApiKey(
        prefix=record["prefix"], name=record["name"], permissions=record["permissions"],
        divisions=record["divisions"], created_at=record["createdAt"], revoked_at=record.get("revokedAt"),
    )


@strawberry.type
class AdminMutation:
    @strawberry.mutation(permission_classes=[requires(perm.APIKEY_EDIT)])
    async def create_api_key(self, info: Info, input: ApiKeyInput) -> ApiKeyCreated:
        services = info.context.services
        record, token = await keys.create_api_key(
            services.db, name=input.name, grants=input.permissions,
            divisions=input.divisions, now=services.clock.now(),
        )
        return ApiKeyCreated(key=api_key(record), token=token)

    @strawberry.mutation(
        permission_classes=[requires(perm.APIKEY_EDIT)],
        description="True if the key existed and was active.",
    )
    async def revoke_api_key(self, info: Info, prefix: str) -> bool:
        services = info.context.services
        return await api_keys.revoke(services.db, prefix=prefix, now=services.clock.now())

    @strawberry.mutation(permission_classes=[requires(perm.DEPLOYMENT_EDIT)])
    async def save_deployment(self, info: Info, input: DeploymentInput) -> Deployment:
        services = info.context.services
        doc = await keys.save_deployment(
            services.db, deployment_id=str(input.id), name=input.name,
            allowed_origins=input.allowed_origins, form_fields=input.form_fields,
            now=services.clock.now(),
        )
        services.ingestor.forget_deployment(doc["_id"])
        return Deployment(
            id=doc["_id"], name=doc["name"], allowed_origins=doc["allowedOrigins"],
            form_fields=doc.get("formFields") or [],
        )
