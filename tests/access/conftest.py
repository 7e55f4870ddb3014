from __future__ import annotations

import time

import jwt
import pytest

from access import permissions as perm

JWT_SECRET = "test-jwt-secret-of-sufficient-length-0123456789"


def token(permissions=(), divisions=(), *, expires_in: int = 3600, secret: str = JWT_SECRET) -> str:
    return jwt.encode(
        {"sub": "agent-1", "permissions": list(permissions), "divisions": list(divisions),
         "exp": int(time.time()) + expires_in},
        secret,
        algorithm="HS256",
    )


def all_but(permission: str) -> list[str]:
    return sorted(perm.ALL - {permission})


@pytest.fixture
async def secured(start):
    return await start(jwt_secret=JWT_SECRET)
