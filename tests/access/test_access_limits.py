"""A public endpoint's limits: depth, tokens, aliases, subscriptions, body size, introspection."""

from __future__ import annotations

from live import topics


async def test_too_deep_query_is_refused(start):
    service = await start(max_query_depth=4)
    answer = await service.graphql("{ liveVisitors { nodes { customer { sessions { nodes { id } } } } } }")
    assert "exceeds maximum operation depth of 4" in answer["errors"][0]["message"]


async def test_too_many_aliases_are_refused(start):
    service = await start(max_query_aliases=3)
    query = "{ " + " ".join(f"a{n}: liveVisitors {{ nodes {{ id }} }}" for n in range(4)) + " }"
    answer = await service.graphql(query)
    assert "4 aliases found. Allowed: 3" in answer["errors"][0]["message"]


async def test_too_many_tokens_are_refused(start):
    service = await start(max_query_tokens=50)
    query = "{ liveVisitors { nodes { " + " ".join(["id"] * 60) + " } } }"
    answer = await service.graphql(query)
    assert answer["errors"][0]["message"] == "Syntax Error: Document contains more than 50 tokens. Parsing aborted."


async def test_subscriptions_per_connection_are_limited(start):
    service = await start(max_subscriptions_per_connection=2)
    async with service.socket() as socket:
        for _ in range(2):
            await socket.subscribe("subscription { liveVisitors { kind } }")
        third = await socket.subscribe("subscription { liveVisitors { kind } }")
        message = await socket.message(third)
        assert message["type"] == "error"
        assert message["payload"][0]["message"] == "Subscription limit reached"


async def test_oversized_graphql_body_is_413(start):
    service = await start(max_body_bytes=2000)
    response = await service.http.post(
        "/graphql", json={"query": "{ liveVisitors { nodes { id } } }", "variables": {"pad": "x" * 5000}},
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert response.status_code == 413


async def test_introspection_is_on_by_default(service):
    data = await service.data("{ __schema { queryType { name } } }")
    assert data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_introspection_can_be_switched_off(start):
    service = await start(introspection=False)
    answer = await service.graphql("{ __schema { queryType { name } } }")
    assert "introspection" in answer["errors"][0]["message"].lower()


async def test_client_mistakes_never_crash_the_connection(service):
    async with service.socket() as socket:
        bad = await socket.subscribe("subscription { noSuchField }")
        assert (await socket.message(bad))["type"] == "error"
        good = await socket.subscribe("subscription { liveVisitors { kind } }")
        await service.until_listening(topics.LIVE_VISITORS)
        await service.collect([{"id": "1", "type": "search", "query": "x"}])
        assert (await socket.next(good))["liveVisitors"]["kind"] == "CREATED"
