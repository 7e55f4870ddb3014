"""Mutations that change who may do what: API keys and deployments."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from access import keys
from access import permissions as perm
from core.errors import InvalidInput
from journey.deployments import save_deployment
from journey.identify import verification
from schema.admin import (
    ApiKeyCreated,
    ApiKeyInput,
    Deployment,
    DeploymentInput,
    IdentitySecret,
    api_key,
)
from schema.permissions import requires
from storage import api_keys, deployments


@strawberry.type
class AdminMutation:
    @strawberry.mutation(
        permission_classes=[requires(perm.APIKEY_EDIT)],
        description="Create an API key; its secret token is in the answer and nowhere else.",
    )
    async def create_api_key(
        self, info: Info, input: Annotated[ApiKeyInput, strawberry.argument(description="The key to create.")]
    ) -> ApiKeyCreated:
        services = info.context.services
        record, token = await keys.create_api_key(
            services.db, name=input.name, grants=input.permissions,
            divisions=input.divisions, now=services.clock.now(), creator=info.context.principal,
        )
        return ApiKeyCreated(key=api_key(record), token=token)

    @strawberry.mutation(
        permission_classes=[requires(perm.APIKEY_EDIT)],
        description="True if the key existed and was active.",
    )
    async def revoke_api_key(
        self,
        info: Info,
        prefix: Annotated[str, strawberry.argument(description="The prefix of the key to revoke.")],
    ) -> bool:
        services = info.context.services
        revoked = await api_keys.revoke(services.db, prefix=prefix, now=services.clock.now())
        await services.authenticator.follow_revocations()
        return revoked

    @strawberry.mutation(
        permission_classes=[requires(perm.DEPLOYMENT_EDIT)],
        description="Create or replace a website deployment; events it sends follow the new rules at once.",
    )
    async def save_deployment(
        self,
        info: Info,
        input: Annotated[DeploymentInput, strawberry.argument(description="The deployment to save.")],
    ) -> Deployment:
        services = info.context.services
        doc = await save_deployment(
            services.db, deployment_id=str(input.id), name=input.name,
            allowed_origins=input.allowed_origins, form_fields=input.form_fields,
            identity_verification=input.identity_verification.value if input.identity_verification else None,
            now=services.clock.now(),
        )
        services.ingestor.forget_deployment(doc["_id"])
        return Deployment.of(doc)

    @strawberry.mutation(
        permission_classes=[requires(perm.DEPLOYMENT_EDIT)],
        description="Make a new identity secret for a deployment and return it, once; the previous "
        "one stops verifying signatures at once.",
    )
    async def rotate_identity_secret(
        self,
        info: Info,
        deployment_id: Annotated[strawberry.ID, strawberry.argument(description="The deployment's id.")],
    ) -> IdentitySecret:
        services = info.context.services
        secret = verification.new_secret()
        if not await deployments.set_identity_secret(
            services.db, deployment_id=str(deployment_id), secret=secret, now=services.clock.now()
        ):
            raise InvalidInput("deploymentId", "no such deployment")
        services.ingestor.forget_deployment(str(deployment_id))
        return IdentitySecret(deployment_id=deployment_id, secret=secret)
