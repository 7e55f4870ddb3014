"""Which browser pages on other origins may use /graphql (over HTTP and WebSocket):
JOURNEY_CORS_ORIGINS, none by default, so only pages served by the service itself can."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from app.logs import REQUEST_ID_HEADER


def parse_origins(values: Sequence[str]) -> tuple[str, ...]:
    """`https://console.example.com`, `http://localhost:5173`, or `*` for any origin."""
    origins = []
    for value in values:
        if value == "*":
            origins.append(value)
            continue
        parts = urlsplit(value.strip().rstrip("/").lower())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise ValueError(f"JOURNEY_CORS_ORIGINS: '{value}' is not an origin such as https://app.example.com")
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(origins)


class _GraphQLCors(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        # A refused preflight answers in the endpoint's error format, like any other error.
        headers = {key: value for key, value in response.headers.items()
                   if key not in ("content-type", "content-length")}
        message = f"{bytes(response.body).decode()}: this origin may not call the API (see JOURNEY_CORS_ORIGINS)"
        return JSONResponse(
            {"errors": [{"message": message, "extensions": {"code": "FORBIDDEN"}}]},
            status_code=response.status_code, headers=headers,
        )


def graphql_cors(app: ASGIApp, origins: tuple[str, ...]) -> ASGIApp:
    """CORS for the GraphQL endpoint. Bearer tokens, not cookies, carry credentials, so
    no origin is ever allowed credentialed requests."""
    return _GraphQLCors(
        app,
        allow_origins=origins,
        allow_methods=("GET", "POST"),
        allow_headers=("authorization", REQUEST_ID_HEADER),  # content-type is safelisted
        # Retry-After: a console on another origin reads when to send a refused operation again.
        expose_headers=(REQUEST_ID_HEADER, "Retry-After"),
        max_age=600,
    )
