"""Builds the strawberry Schema, with the limits a public endpoint needs."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)

from app.settings import Settings
from journey.errors import InvalidInput
from resolvers.mutation import Mutation
from resolvers.query import Query
from resolvers.subscription import Subscription

UNEXPECTED = "Unexpected server error; it has been logged"


def _is_server_fault(error: GraphQLError) -> bool:
    """Client mistakes keep their message; anything else is masked so internals never leak."""
    original = error.original_error
    return original is not None and not isinstance(
        original, (InvalidInput, PermissionError, GraphQLError)
    )


class JourneySchema(Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        """Log server faults only: a client's mistake is answered, not logged as a failure."""
        faults = [error for error in errors if _is_server_fault(error)]
        if faults:
            super().process_errors(faults, execution_context)


def build_schema(settings: Settings | None = None) -> Schema:
    extensions: list = []
    if settings is not None:
        # Factories, not instances: strawberry builds fresh extensions per request.
        extensions += [
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_query_aliases),
            lambda: MaskErrors(should_mask_error=_is_server_fault, error_message=UNEXPECTED),
        ]
        if not settings.introspection:
            extensions.append(DisableIntrospection)
    return JourneySchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
