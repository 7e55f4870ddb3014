"""API keys and deployments as the admin mutations take and answer them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from journey.identify import verification
from storage.documents import DeploymentDocument


@strawberry.enum(description="How a deployment treats identities (email, phone, external id) sent from browsers.")
class IdentityVerification(Enum):
    _value_: str  # the string passed to enum_value

    OFF = strawberry.enum_value(
        "OFF", description="Believed as sent: a browser naming a known customer's email joins that customer."
    )
    OPTIONAL = strawberry.enum_value(
        "OPTIONAL", description="Signed identities are believed; unsigned ones stay unverified claims on the "
        "visitor's own customer and never join another customer.",
    )
    REQUIRED = strawberry.enum_value(
        "REQUIRED", description="An identify event whose identities are not all signed is rejected."
    )


@strawberry.type(
    description="A key a program or console uses to call the API (its secret is never shown again).",
)
class ApiKey:
    prefix: str = strawberry.field(
        description="The key's public start, to tell keys apart and to revoke one.",
    )
    name: str = strawberry.field(description="What the key is for, as its creator named it.")
    permissions: list[str] = strawberry.field(
        description="What it may do, like journey:visit:view or journey:event:add.",
    )
    divisions: list[str] = strawberry.field(
        description="The divisions whose conversation cards it sees; \"*\" for every division, empty for none.",
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while it works.")


@strawberry.type(description="A new API key and its secret.")
class ApiKeyCreated:
    key: ApiKey = strawberry.field(description="The key's details.")
    token: str = strawberry.field(description="Shown once: only a hash is stored.")


@strawberry.type(description="A website that sends events, and what it may send.")
class Deployment:
    id: strawberry.ID = strawberry.field(description="The id the tracking snippet sends as its deployment.")
    name: str = strawberry.field(description="A readable name for the website.")
    allowed_origins: list[str] = strawberry.field(
        description="Origins allowed to send events; \"*\" for any.",
    )
    form_fields: list[str] = strawberry.field(description="Form fields whose values are kept on form events.")
    identity_verification: IdentityVerification = strawberry.field(
        description="Whether identities sent from browsers must carry the site's signature."
    )
    has_identity_secret: bool = strawberry.field(
        description="Whether an identity secret exists (rotateIdentitySecret makes one; it is never shown again)."
    )

    @classmethod
    def of(cls, doc: DeploymentDocument) -> Deployment:
        return cls(
            id=strawberry.ID(doc["_id"]), name=doc["name"], allowed_origins=doc["allowedOrigins"],
            form_fields=doc.get("formFields") or [],
            identity_verification=IdentityVerification(doc.get("identityVerification") or verification.DEFAULT_MODE),
            has_identity_secret=bool(doc.get("identitySecret")),
        )


@strawberry.type(description="A deployment's new identity secret, for the site's server to sign identities with.")
class IdentitySecret:
    deployment_id: strawberry.ID = strawberry.field(description="The deployment it belongs to.")
    secret: str = strawberry.field(
        description="Shown once. The site's server signs each identity value a browser will send "
        "with it (HMAC-SHA256, hex); the previous secret stops working at once."
    )


@strawberry.input(description="A new API key.")
class ApiKeyInput:
    name: str = strawberry.field(description="What the key is for, to recognise it later.")
    permissions: list[str] = strawberry.field(
        description="What it may do, like journey:visit:view; unknown names are refused.",
    )
    divisions: list[str] = strawberry.field(
        default_factory=list,
        description="The divisions whose conversation cards it sees; \"*\" for every division, empty for none.",
    )


@strawberry.input(description="A website deployment to create or replace.")
class DeploymentInput:
    id: strawberry.ID = strawberry.field(description="The deployment's id, as the tracking snippet sends it.")
    name: str | None = strawberry.field(default=None, description="A readable name; defaults to the id.")
    allowed_origins: list[str] = strawberry.field(
        description='Origins allowed to send events, like "https://shop.example"; "*" for any.'
    )
    form_fields: list[str] = strawberry.field(
        default_factory=list,
        description="Form fields whose values are kept on form events; any other field is "
        "dropped, and passwords and card numbers always are.",
    )
    identity_verification: IdentityVerification | None = strawberry.field(
        default=None,
        description="Whether browser identities must be signed; left out: kept as it was (OFF for a new "
        "deployment). OPTIONAL and REQUIRED need an identity secret first (rotateIdentitySecret).",
    )


def api_key(record: dict) -> ApiKey:
    return ApiKey(
        prefix=record["prefix"], name=record["name"], permissions=record["permissions"],
        divisions=record["divisions"], created_at=record["createdAt"], revoked_at=record.get("revokedAt"),
    )
