"""Builds the strawberry Schema, with the limits a public endpoint needs."""

from __future__ import annotations

import logging

from graphql import GraphQLError, GraphQLObjectType
from strawberry import Schema
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.types.base import StrawberryObjectDefinition

from core.errors import InvalidInput, Unavailable
from core.settings import Settings
from resolvers.field_access import declared, guard_fields
from resolvers.mutation import Mutation
from resolvers.query import Query
from resolvers.subscription import Subscription
from storage.database import STORE_UNREACHABLE

log = logging.getLogger("journey.graphql")
UNEXPECTED = "Unexpected server error; it has been logged"


def _store_unreachable(error: GraphQLError) -> bool:
    return isinstance(error.original_error, STORE_UNREACHABLE)


def _is_server_fault(error: GraphQLError) -> bool:
    """Client mistakes and refusals the client can retry keep their message; a store that
    could not be reached is answered as such a refusal (see AnswerErrors); anything else is
    masked so internals never leak."""
    original = error.original_error
    return original is not None and not isinstance(
        original, (InvalidInput, PermissionError, Unavailable, GraphQLError, *STORE_UNREACHABLE)
    )


def _where(error: GraphQLError) -> str:
    # Not str(error): it quotes the query's text, which may hold identity values.
    return ".".join(map(str, error.path or ())) or "(operation)"


class JourneySchema(Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        """Log server faults only: a client's mistake is answered, not logged as a failure,
        and an unreachable store is an outage of something else, which /readyz reports."""
        for error in errors:
            if _store_unreachable(error):
                log.warning(
                    "store unreachable at %s (%s); answered UNAVAILABLE",
                    _where(error), type(error.original_error).__name__,
                )
            elif _is_server_fault(error):
                log.error("unexpected error at %s: %s", _where(error), error.message, exc_info=error.original_error)


class AnswerErrors(MaskErrors):
    """Masks server faults, and answers an operation the store could not serve in time with
    the UNAVAILABLE refusal that trackEvents and POST /collect give, retryAfter included:
    whichever resolver or loader met the outage, the client learns to send it again."""

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=lambda error: _store_unreachable(error) or _is_server_fault(error),
            error_message=UNEXPECTED,
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if not _store_unreachable(error):
            return super().anonymise_error(error)
        refusal = self.execution_context.context.services.admission.store_unreachable()
        return GraphQLError(
            str(refusal), nodes=error.nodes, source=error.source, positions=error.positions,
            path=error.path, original_error=refusal,
        )


def _describe_permissions(schema: Schema) -> None:
    """Every field guarded by a permission says which, so a UI developer reading the docs
    knows what key to ask for before meeting a FORBIDDEN error."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        definition = schema.get_type_by_name(graphql_type.name)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        owner = definition.origin
        for field in graphql_type.fields.values():
            access = declared(owner, field.extensions["strawberry-definition"])
            needed = getattr(access, "permissions", ())
            if needed:
                names = " or ".join(f"'{name}'" for name in needed)
                field.description = f"{(field.description or '').rstrip()} Needs the {names} permission.".lstrip()


def build_schema(settings: Settings | None = None) -> Schema:
    guard_fields()
    extensions: list = []
    if settings is not None:
        # Factories, not instances: strawberry builds fresh extensions per request.
        extensions += [
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_query_aliases),
            AnswerErrors,
        ]
        if not settings.introspection:
            extensions.append(DisableIntrospection)
    schema = JourneySchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
    _describe_permissions(schema)
    return schema
