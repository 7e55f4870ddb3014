"""Who may send events to /collect: allowed origins and a rate limit."""

from __future__ import annotations

BATCH = {"deploymentId": "shop", "cookieId": "c", "events": [{"id": "1", "type": "search", "query": "x"}]}
SAVE = 'mutation($o: [String!]!) { saveDeployment(input: {id: "shop", allowedOrigins: $o}) { id allowedOrigins } }'


async def test_deployment_origins_are_normalised(service):
    data = await service.data(SAVE, {"o": ["https://Shop.Example/"]})
    assert data["saveDeployment"] == {"id": "shop", "allowedOrigins": ["https://shop.example"]}


async def test_bad_origin_in_a_deployment_is_refused_by_field(service):
    answer = await service.graphql(SAVE, {"o": ["shop.example"]})
    assert answer["errors"][0]["message"].startswith("allowedOrigins[0]: 'shop.example' is not an origin")


async def test_events_from_an_allowed_origin_land_with_cors_headers(service):
    await service.data(SAVE, {"o": ["https://shop.example"]})
    response = await service.http.post("/collect", json=BATCH, headers={"Origin": "https://shop.example"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://shop.example"


async def test_events_from_another_origin_are_refused(service):
    await service.data(SAVE, {"o": ["https://shop.example"]})
    response = await service.http.post("/collect", json=BATCH, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json() == {"error": "Origin: 'https://evil.example' is not allowed for deployment 'shop'"}
    assert await service.services.db.events.count_documents({}) == 0


async def test_restricted_deployment_needs_an_origin(service):
    await service.data(SAVE, {"o": ["https://shop.example"]})
    response = await service.http.post("/collect", json=BATCH)
    assert response.status_code == 403


async def test_default_deployment_accepts_any_origin(service):
    response = await service.http.post("/collect", json={**BATCH, "deploymentId": "default"},
                                       headers={"Origin": "https://anywhere.example"})
    assert response.status_code == 200


async def test_preflight_is_answered(service):
    response = await service.http.options("/collect", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_too_many_batches_from_one_address_get_429_with_retry_after(start):
    service = await start(collect_rate_per_minute=2)
    body = {**BATCH, "deploymentId": "default"}
    statuses = [(await service.http.post("/collect", json=body)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await service.http.post("/collect", json=body)
    assert refused.headers["retry-after"] == "30"
    assert refused.json()["error"].startswith("rate limit:")
    service.clock.advance(seconds=30)
    assert (await service.http.post("/collect", json=body)).status_code == 200
