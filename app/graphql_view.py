"""The strawberry ASGI app on /graphql: authentication for HTTP and WebSocket, and answers
that follow GraphQL over HTTP (see app.graphql_http)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app import graphql_http
from app.live_connection import LiveConnection
from app.live_groups import LiveGroups
from app.live_limits import PrincipalLimits
from app.websocket_guard import credential_watch
from core.settings import Settings
from resolvers.context import Context
from storage.database import STORE_UNREACHABLE

GRAPHIQL_PAGE = Path(__file__).resolve().parent / "static" / "graphiql" / "index.html"
UNAUTHORIZED = "Unauthorized: send 'Authorization: Bearer <token>' (see the README)"


def _wants_ide(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "") \
        and "query" not in request.query_params


class JourneyGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LiveConnection

    def __init__(self, schema, *, settings: Settings, allowed_origins: Sequence[str] = ()) -> None:
        """allowed_origins: pages on other origins that may open the WebSocket."""
        super().__init__(
            schema,
            allowed_origins=allowed_origins,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        )
        self.live_groups = LiveGroups(schema, slice_size=settings.live_fanout_slice)
        self.live_limits = PrincipalLimits(
            connections=settings.max_connections_per_principal,
            subscriptions=settings.max_subscriptions_per_principal,
        )
        self.live_queue_size = settings.live_queue_size
        self.max_query_tokens = settings.max_query_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            if not _wants_ide(request):
                services = request.app.state.services
                try:
                    principal = await services.authenticator.authenticate(
                        request.headers.get("authorization")
                    )
                except STORE_UNREACHABLE:
                    # An API key cannot be checked against the store now: the same refusal
                    # as an operation the store could not serve, before any operation ran.
                    request.app.state.readiness.store_seen(reachable=False)
                    refusal = services.admission.store_unreachable()
                    response = graphql_http.error_response(
                        request, str(refusal), status_code=503, extensions=refusal.extensions,
                        headers={"Retry-After": str(refusal.retry_after)},
                    )
                    await response(scope, receive, send)
                    return
                if principal is None:
                    response = graphql_http.error_response(
                        request, UNAUTHORIZED, status_code=401, code="UNAUTHENTICATED",
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                    await response(scope, receive, send)
                    return
                scope.setdefault("state", {})["principal"] = principal
            await (await self._answer(request))(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        try:
            response = await self.run(request)
        except HTTPException as error:
            headers = {"Allow": "POST" if request.method == "GET" else "GET, POST"} \
                if error.status_code == 405 else None
            return graphql_http.error_response(
                request, error.reason, status_code=error.status_code, headers=headers
            )
        if isinstance(response, StreamingResponse) or _wants_ide(request):
            return response
        response.headers["content-type"] = graphql_http.media_type(request)
        retry_after = getattr(request.state, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        if getattr(request.state, "request_error", False) and graphql_http.wants_graphql_response(request):
            response.status_code = 400
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        """The service's own GraphiQL page: its assets are served from /graphiql/."""
        return FileResponse(GRAPHIQL_PAGE, media_type="text/html")

    async def execute_single(self, request, request_adapter, sub_response, context, root_value,
                             request_data) -> ExecutionResult:
        """As strawberry's, but a subscription is refused: its results only travel over
        the WebSocket."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(400, graphql_http.SUBSCRIPTION_OVER_HTTP) from error
            raise HTTPException(405, error.as_http_error_reason(request_adapter.method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        answer = process_result(result)
        request.state.retry_after = graphql_http.retry_after(result.data, result.errors)
        if graphql_http.is_request_error(result.data, result.errors):
            request.state.request_error = True
            if graphql_http.wants_graphql_response(request):
                answer.pop("data", None)
        return answer

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(
            services=request.app.state.services,
            request=request,
            response=response,
            principal=request.scope.get("state", {}).get("principal"),
        )

    async def on_ws_connect(self, context: Context) -> None:
        params = context.connection_params or {}
        sent = params.get("authorization") or params.get("Authorization")
        token = sent if isinstance(sent, str) else None
        principal = await context.services.authenticator.authenticate(token)
        if principal is None or token is None:
            raise ConnectionRejectionError()
        self.live_limits.open_connection(principal)
        context.principal = principal
        credential_watch(context.request).watch(context.request, token)
