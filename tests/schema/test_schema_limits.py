"""The schema as built for a deployment: the limits its settings name hold before any
resolver runs, and each guarded field tells a reader of the docs which permission it needs."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.settings import Settings
from resolvers.build import build_schema
from schema.pagination import after_key, cursor_of, page_size, split_page


async def errors_of(settings: Settings, query: str) -> list[str]:
    result = await build_schema(settings).execute(query)
    assert result.data is None, result.data
    return [error.message for error in result.errors or ()]


async def test_a_query_deeper_than_the_setting_is_refused_before_it_runs():
    query = "{ viewer { permissions } liveVisitors { nodes { customer { sessions { nodes { id } } } } } }"
    assert await errors_of(Settings(max_query_depth=4), query) == [
        "'anonymous' exceeds maximum operation depth of 4"]


async def test_more_aliases_than_the_setting_are_refused():
    query = "{ " + " ".join(f"a{n}: viewer {{ permissions }}" for n in range(4)) + " }"
    assert await errors_of(Settings(max_query_aliases=3), query) == [
        "4 aliases found. Allowed: 3"]


async def test_more_tokens_than_the_setting_are_refused():
    query = "{ viewer { " + " ".join(["permissions"] * 40) + " } }"
    assert await errors_of(Settings(max_query_tokens=30), query) == [
        "Syntax Error: Document contains more than 30 tokens. Parsing aborted."]


async def test_introspection_is_refused_when_the_setting_turns_it_off():
    query = "{ __schema { queryType { name } } }"
    refusals = await errors_of(Settings(introspection=False), query)
    assert refusals[0] == ("GraphQL introspection has been disabled, but the requested query contained "
                           "the field '__schema'.")
    allowed = await build_schema(Settings(introspection=True)).execute(query)
    assert allowed.errors is None and allowed.data == {"__schema": {"queryType": {"name": "Query"}}}


def test_a_guarded_field_names_its_permission_in_its_description():
    customer = build_schema(Settings())._schema.query_type.fields["customer"]
    assert customer.description.endswith("Needs the 'journey:customer:view' permission.")


def test_page_size_keeps_to_its_bounds_and_names_the_argument():
    assert page_size(None, default=20, maximum=100) == 20
    assert page_size(100, default=20, maximum=100) == 100
    for wrong in (0, 101, -1):
        with pytest.raises(InvalidInput, match=r"^first: must be between 1 and 100$"):
            page_size(wrong, default=20, maximum=100)


def test_a_page_knows_whether_another_follows_and_where_it_starts():
    docs = [{"_id": f"s{n}", "startedAt": n} for n in range(3)]
    page, more = split_page(docs, 2)
    assert (page, more) == (docs[:2], True)
    assert split_page(docs, 3) == (docs, False)
    sort = [("startedAt", -1), ("_id", -1)]
    assert after_key(cursor_of(page[-1], sort), len(sort)) == (1, "s1")
