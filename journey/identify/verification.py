"""Identity verification: a browser's identify event is believed only when the site's own
server signed each identity with the deployment's secret (HMAC-SHA256 of the value as sent,
hex). Anyone can send an identify event from a browser, so an unsigned identity must never
lead a browser into a known customer's journey, nor tell the sender that the identity exists.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from core.errors import InvalidInput
from storage.documents import DeploymentDocument

OFF = "OFF"
"""Browser identities are believed as sent (no verification)."""
OPTIONAL = "OPTIONAL"
"""Signed identities are believed; unsigned ones stay claims on the visitor's own customer."""
REQUIRED = "REQUIRED"
"""An identify event with an identity not signed correctly is rejected."""
MODES = (OFF, OPTIONAL, REQUIRED)
DEFAULT_MODE = OFF
"""For deployments that have not chosen: browser identities are believed, as before."""

TRAIT_OF = {"EMAIL": "email", "PHONE": "phone", "EXTERNAL_ID": "externalId"}
MAX_SIGNATURE = 128


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def signature(secret: str, value: str) -> str:
    """What the site's server computes for an identity value, exactly as the browser sends it."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def parse_signatures(raw: Any, values: dict[str, Any], path: str) -> dict[str, tuple[str, str]]:
    """{IdentityType: (value as sent, signature)} from an identify event's `signatures`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput(path, "must be an object")
    found = {}
    for kind, trait in TRAIT_OF.items():
        given = raw.get(trait)
        if given is None:
            continue
        if not isinstance(given, str) or len(given) > MAX_SIGNATURE:
            raise InvalidInput(f"{path}.{trait}", f"must be a string of at most {MAX_SIGNATURE} characters")
        if not isinstance(values.get(trait), str):
            raise InvalidInput(f"{path}.{trait}", f"signs no {trait}")
        found[kind] = (values[trait], given)
    unknown = sorted(set(raw) - set(TRAIT_OF.values()))
    if unknown:
        raise InvalidInput(f"{path}.{unknown[0]}", "is not an identity (email, phone or externalId)")
    return found


def split_claims(data: dict[str, Any], deployment: DeploymentDocument, path: str, *, trusted: bool) -> None:
    """Leave in data["identities"] what may stitch and move the rest to data["claims"];
    InvalidInput when the deployment requires signatures that are missing or wrong."""
    signed = data.pop("signatures", {})
    mode = deployment.get("identityVerification") or DEFAULT_MODE
    if trusted or mode == OFF:
        return
    secret = deployment.get("identitySecret")
    identities = data["identities"]
    unverified = [
        kind for kind in identities
        if not (secret and kind in signed and hmac.compare_digest(signature(secret, signed[kind][0]), signed[kind][1]))
    ]
    if unverified and mode == REQUIRED:
        kind = unverified[0]
        reason = "does not match" if kind in signed else "is required"
        raise InvalidInput(f"{path}.signatures.{TRAIT_OF[kind]}", reason)
    data["claims"] = {kind: identities.pop(kind) for kind in unverified}
