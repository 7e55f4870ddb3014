"""Turning a bearer token into a Principal: the admin token, a JWT, or an API key."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

import jwt
from cachetools import TTLCache

from access.principal import Principal
from core.settings import Settings
from storage import api_keys
from storage.database import Database

API_KEY_PREFIX = "jg_"
_API_KEY = re.compile(r"jg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
"""The shape new_api_key makes; anything else is refused before any look-up."""
_KEY_CACHE_ENTRIES = 10_000


def hash_secret(secret: str) -> str:
    # API key secrets are 32 random bytes, so a fast hash is enough: there is
    # nothing to brute-force that a slow hash would protect.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: (prefix, secret, the token shown once = jg_<prefix>_<secret>)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return prefix, secret, f"{API_KEY_PREFIX}{prefix}_{secret}"


def _strings(claims: dict[str, Any], name: str) -> frozenset[str]:
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise jwt.InvalidTokenError(f"claim '{name}' must be a list of strings")
    return frozenset(value)


class Authenticator:
    def __init__(self, *, settings: Settings, db: Database) -> None:
        self._settings = settings
        self._db = db
        # Keyed by a hash of the token, so an entry's size does not depend on the client;
        # entries live no longer than a revocation may take to be noticed.
        self._keys: TTLCache[str, Principal | None] = TTLCache(
            maxsize=_KEY_CACHE_ENTRIES, ttl=settings.credential_check_seconds
        )
        self._revocations: int | None = None

    async def follow_revocations(self) -> bool:
        """Forget cached keys when a key was revoked anywhere since the last call."""
        seen = await api_keys.revoked_count(self._db)
        changed = seen != self._revocations
        if changed:
            self._keys.clear()
        self._revocations = seen
        return changed

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal a `Bearer <token>` value names, or None if it names nobody."""
        if not authorization or not isinstance(authorization, str):
            return None
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        admin = self._settings.admin_token
        if admin and hmac.compare_digest(token.encode(), admin.encode()):
            return Principal.admin()
        if token.startswith(API_KEY_PREFIX):
            return await self._api_key(token)
        return self._jwt(token)

    def expiry(self, authorization: str) -> float | None:
        """When a JWT that authenticate() accepted stops being valid (epoch seconds); None
        for the admin token and API keys, which end only when changed or revoked."""
        token = authorization.strip().partition(" ")[2].strip()
        if token.startswith(API_KEY_PREFIX) or token == self._settings.admin_token:
            return None
        try:
            # Its signature was verified when it was accepted; only its expiry is read here.
            return float(jwt.decode(token, options={"verify_signature": False})["exp"])
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            return 0.0

    def _jwt(self, token: str) -> Principal | None:
        settings = self._settings
        if settings.jwt_public_key:
            key, algorithm = settings.jwt_public_key, "RS256"
        elif settings.jwt_secret:
            key, algorithm = settings.jwt_secret, "HS256"
        else:
            return None
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=settings.jwt_audience or None,
                options={"require": ["exp"]},
            )
            if isinstance(claims["exp"], bool) or not isinstance(claims["exp"], (int, float)):
                # PyJWT reads "9999999999" as a number; the standard says NumericDate.
                return None
            return Principal(
                name=str(claims.get("sub") or "jwt"),
                permissions=_strings(claims, "permissions"),
                divisions=_strings(claims, "divisions"),
            )
        except jwt.PyJWTError:
            return None

    async def _api_key(self, token: str) -> Principal | None:
        shape = _API_KEY.fullmatch(token)
        if shape is None:
            return None
        prefix, secret = shape.groups()
        digest = hash_secret(token)
        if digest in self._keys:
            return self._keys[digest]
        record = await api_keys.active(self._db, prefix=prefix)
        principal = None
        if record is not None and hmac.compare_digest(record["secretHash"], hash_secret(secret)):
            principal = Principal(
                name=record["name"],
                permissions=frozenset(record["permissions"]),
                divisions=frozenset(record["divisions"]),
            )
        self._keys[digest] = principal
        return principal
