"""The strawberry ASGI app on /graphql: authentication for HTTP and WebSocket."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from resolvers.context import Context

UNAUTHORIZED = "Unauthorized: send 'Authorization: Bearer <token>' (see the README)"


def _wants_ide(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "") \
        and "query" not in request.query_params


class JourneyGraphQL(GraphQL):
    def __init__(self, schema, *, max_subscriptions: int) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=max_subscriptions,
            keep_alive=True,
            keep_alive_interval=15,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            if not _wants_ide(request):
                services = request.app.state.services
                principal = await services.authenticator.authenticate(
                    request.headers.get("authorization")
                )
                if principal is None:
                    response = JSONResponse(
                        {"errors": [{"message": UNAUTHORIZED, "extensions": {"code": "UNAUTHENTICATED"}}]},
                        status_code=401,
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                    await response(scope, receive, send)
                    return
                scope.setdefault("state", {})["principal"] = principal
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(
            services=request.app.state.services,
            request=request,
            response=response,
            principal=request.scope.get("state", {}).get("principal"),
        )

    async def on_ws_connect(self, context: Context) -> None:
        params = context.connection_params or {}
        token = params.get("authorization") or params.get("Authorization")
        principal = await context.services.authenticator.authenticate(
            token if isinstance(token, str) else None
        )
        if principal is None:
            raise ConnectionRejectionError()
        context.principal = principal
