"""Turn client-supplied identity values into the canonical strings profiles are keyed by."""

from .normalize import (
    InvalidIdentity,
    normalize_cookie_id,
    normalize_email,
    normalize_external_id,
    normalize_identity,
    normalize_phone,
)

__all__ = [
    "InvalidIdentity",
    "normalize_cookie_id",
    "normalize_email",
    "normalize_external_id",
    "normalize_identity",
    "normalize_phone",
]
