"""GraphQL over HTTP: the media type the client accepts, request errors as 400 without
`data`, every error of /graphql as a JSON body, and subscriptions sent to the WebSocket."""

from __future__ import annotations

import pytest

from access import permissions as perm
from live import topics
from tests.access.conftest import JWT_SECRET, all_but, token
from tests.support.service import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
GRAPHQL_RESPONSE = "application/graphql-response+json"


async def post(service, body, *, accept: str | None = None, headers: dict | None = None):
    sent = {**AUTH, **(headers or {})}
    if accept:
        sent["Accept"] = accept
    return await service.http.post("/graphql", json=body, headers=sent)


@pytest.mark.parametrize(
    ("case", "body"),
    [
        ("parse", {"query": "{"}),
        ("validation", {"query": "{ noSuchField }"}),
        ("variables", {"query": "query($id: ID!) { customer(id: $id) { id } }", "variables": {"id": None}}),
    ],
)
async def test_request_errors_are_400_without_data_for_graphql_response_clients(service, case, body):
    response = await post(service, body, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400, (case, response.text)
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    answer = response.json()
    assert "data" not in answer
    assert answer["errors"][0]["message"]


async def test_json_clients_keep_200_with_null_data(service):
    response = await post(service, {"query": "{"}, accept="application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] is None


async def test_a_field_error_is_still_200_with_data(start):
    secured = await start(jwt_secret=JWT_SECRET)
    response = await post(
        secured, {"query": '{ __typename customer(id: "nobody") { id } }'}, accept=GRAPHQL_RESPONSE,
        headers={"Authorization": f"Bearer {token(all_but(perm.CUSTOMER_VIEW))}"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["data"]["__typename"] == "Query"
    assert answer["errors"][0]["path"] == ["customer"]


async def test_a_successful_answer_carries_the_accepted_media_type(service):
    response = await post(service, {"query": "{ __typename }"}, accept=f"{GRAPHQL_RESPONSE}, application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("case", "method", "kwargs", "status"),
    [
        ("no query", "POST", {"json": {}}, 400),
        ("batch", "POST", {"json": [{"query": "{ __typename }"}]}, 400),
        ("unknown operation", "POST", {"json": {"query": "{ __typename }", "operationName": "Other"}}, 400),
        ("variables not an object", "POST", {"json": {"query": "{ __typename }", "variables": "x"}}, 400),
        ("not JSON", "POST", {"content": b"{", "headers": {"content-type": "application/json"}}, 400),
        ("unsupported content type", "POST", {"content": b"{ __typename }",
                                              "headers": {"content-type": "text/plain"}}, 400),
        ("mutation over GET", "GET", {"params": {"query": "mutation { __typename }"}}, 405),
        ("wrong method", "PUT", {"json": {"query": "{ __typename }"}}, 405),
    ],
)
async def test_every_error_answer_is_graphql_json(service, case, method, kwargs, status):
    headers = {**AUTH, **kwargs.pop("headers", {})}
    response = await service.http.request(method, "/graphql", headers=headers, **kwargs)
    assert response.status_code == status, (case, response.text)
    assert response.headers["content-type"].startswith("application/json"), case
    assert response.json()["errors"][0]["message"], case
    if status == 405:
        assert "POST" in response.headers["allow"]


@pytest.mark.parametrize("accept", ["application/json", "multipart/mixed", "text/event-stream"])
async def test_a_subscription_over_http_is_told_to_use_the_websocket(service, accept):
    response = await post(service, {"query": "subscription { liveVisitors { session { id } } }"}, accept=accept)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["errors"][0]["message"]
    assert "WebSocket" in message and "Unexpected" not in message


async def test_a_subscription_over_get_is_told_to_use_the_websocket(service):
    response = await service.http.get(
        "/graphql", params={"query": "subscription { liveVisitors { kind } }"}, headers=AUTH
    )
    assert response.status_code == 400, response.text
    assert "WebSocket" in response.json()["errors"][0]["message"]


async def test_the_same_subscription_runs_over_the_websocket(service):
    """Positive control: the refused operation is a valid subscription."""
    async with service.socket() as socket:
        op = await socket.subscribe("subscription { liveVisitors { session { id } } }")
        await service.until_listening(topics.LIVE_VISITORS)
        await service.collect([{"id": "1", "type": "pageview", "page": {"url": "https://shop.example/"}}])
        assert (await socket.next(op))["liveVisitors"]["session"]["id"]
