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
    return original is not None and not isinstance(original, (InvalidInput, PermissionError))


def build_schema(settings: Settings | None = None) -> Schema:
    extensions: list = []
    if settings is not None:
        extensions += [
            QueryDepthLimiter(max_depth=settings.max_query_depth),
            MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            MaxAliasesLimiter(max_alias_count=settings.max_query_aliases),
            MaskErrors(should_mask_error=_is_server_fault, error_message=UNEXPECTED),
        ]
        if not settings.introspection:
            extensions.append(DisableIntrospection())
    return Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
