"""Unauthenticated requests cannot make the service keep what they send: ids and tokens
from clients are checked before any cache or rate-limit bucket, and those are bounded."""

from __future__ import annotations

import secrets

EVENTS = [{"id": "1", "type": "search", "query": "x"}]


async def test_a_huge_deployment_id_is_refused_before_it_is_cached(service):
    huge = "a" * 400_000
    response = await service.http.post("/collect", json={"deploymentId": huge, "cookieId": "c", "events": EVENTS})
    assert response.status_code == 400
    assert response.json() == {"error": "deploymentId: must be 1 to 64 of a-z, 0-9, - and _"}
    assert huge not in service.services.ingestor._deployments
    assert len(service.services.ingestor._deployments) == 0


async def test_rotating_made_up_deployment_ids_does_not_escape_the_rate_limit(start):
    service = await start(collect_rate_per_minute=3)
    statuses = [
        (await service.http.post(
            "/collect", json={"deploymentId": f"made-up-{n}", "cookieId": "c", "events": EVENTS}
        )).status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 429, 429]
    real = await service.http.post("/collect", json={"deploymentId": "default", "cookieId": "c", "events": EVENTS})
    assert real.status_code == 200, "a real deployment keeps a bucket of its own"


async def test_a_long_made_up_api_key_is_refused_without_a_cache_entry(secured):
    token = f"jg_{secrets.token_hex(6)}_{'x' * 10_000}"
    response = await secured.http.post(
        "/graphql", json={"query": "{ liveVisitors { nodes { id } } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert len(secured.services.authenticator._keys) == 0


async def test_headers_over_the_limit_are_refused_before_the_app(start):
    service = await start(max_header_bytes=4096, listen=True)
    response = await service.http.post(
        "/graphql", json={"query": "{ liveVisitors { nodes { id } } }"},
        headers={"Authorization": f"Bearer jg_{secrets.token_hex(6)}_{'x' * 100_000}"},
    )
    assert response.status_code == 431
    assert "over 4096 bytes" in response.text
    fine = await service.http.post(
        "/graphql", json={"query": "{ liveVisitors { nodes { id } } }"},
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert fine.status_code == 200


async def test_failed_key_look_ups_are_remembered_by_a_fixed_size_digest(secured):
    for _ in range(3):
        token = f"jg_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
        response = await secured.http.post(
            "/graphql", json={"query": "{ liveVisitors { nodes { id } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401
    cached = secured.services.authenticator._keys
    assert len(cached) == 3
    assert all(len(key) == 64 and not key.startswith("jg_") for key in cached)


def test_long_documents_are_not_kept_by_the_subscription_check():
    from app.live_groups import _is_subscription, is_subscription

    _is_subscription.cache_clear()  # room for one more, whatever ran before
    before = _is_subscription.cache_info().currsize
    long_document = "subscription { liveVisitors { kind } }" + " " * 20_000
    assert is_subscription(long_document, None, 2000) is True
    assert _is_subscription.cache_info().currsize == before
    short_document = f"subscription {{ liveVisitors {{ kind }} }} # {secrets.token_hex(4)}"
    assert is_subscription(short_document, None, 2000) is True
    assert _is_subscription.cache_info().currsize == before + 1, "short documents are cached"
