"""GraphQL over HTTP answers: the media type a client asked for, request errors as 4xx
without `data` for `application/graphql-response+json`, and every error as JSON.

A request error (unparsable document, failed validation, bad variables) stops the request
before execution, so it produced no field path; a field error always has one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.errors import Unavailable

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
SUBSCRIPTION_OVER_HTTP = (
    "subscriptions need the WebSocket: connect to this same /graphql URL with the "
    "graphql-transport-ws protocol"
)


def _accepted(request: Request) -> list[str]:
    """The media types of the Accept header that are not refused with q=0."""
    accepted = []
    for part in request.headers.get("accept", "").split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        if any(param.replace(" ", "") in {"q=0", "q=0.0", "q=0.00", "q=0.000"} for param in params):
            continue
        if media_type:
            accepted.append(media_type.lower())
    return accepted


def wants_graphql_response(request: Request) -> bool:
    """The client accepts application/graphql-response+json; JSON stays the answer of
    clients that name only application/json or send no preference."""
    return GRAPHQL_RESPONSE in _accepted(request)


def media_type(request: Request) -> str:
    return GRAPHQL_RESPONSE if wants_graphql_response(request) else JSON


def is_request_error(data: object, errors: Sequence[GraphQLError] | None) -> bool:
    if data is not None or not errors:
        return False
    return all(error.path is None for error in errors)


def retry_after(data: dict[str, Any] | None, errors: Sequence[GraphQLError] | None) -> int | None:
    """The Retry-After of an answer that turned the whole operation away: every error is
    UNAVAILABLE and no field was answered, so the same request sent again after that many
    seconds (the longest retryAfter) can succeed as a whole. None otherwise: an answer with
    data keeps retryAfter on its errors only, since sending again a mutation document some
    of whose fields were carried out would carry them out twice."""
    if not errors or (data is not None and any(value is not None for value in data.values())):
        return None
    delays: list[int] = []
    for error in errors:
        extensions = error.extensions or {}
        delay = extensions.get("retryAfter")
        if extensions.get("code") != Unavailable.CODE or not isinstance(delay, int):
            return None
        delays.append(delay)
    return max(delays)


def error_response(
    request: Request, message: str, *, status_code: int, code: str = "BAD_REQUEST",
    headers: dict[str, str] | None = None, extensions: dict[str, Any] | None = None,
) -> Response:
    """An error of the request itself, as a GraphQL response the client can display.
    extensions: the error's own, when it has more than a code."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions or {"code": code}}]},
        status_code=status_code,
        headers=headers,
        media_type=media_type(request),
    )
