"""Erasing a customer erases every customer merged into it, however long the chain."""

from __future__ import annotations

from tests.journey.test_identity import by_identity, known_customer
from tests.support.service import Service

MERGE = "mutation($s: ID!, $t: ID!) { mergeCustomers(sourceId: $s, targetId: $t) { id } }"


async def test_erase_follows_a_chain_of_merges(service: Service):
    ann = await known_customer(service, "a", "ann@shop.example")
    bob = await known_customer(service, "b", "bob@shop.example")
    cat = await known_customer(service, "c", "cat@shop.example")
    other = await known_customer(service, "o", "other@shop.example")
    await service.data(MERGE, {"s": cat, "t": bob})
    await service.data(MERGE, {"s": bob, "t": ann})

    await service.data("mutation($c: ID!) { eraseCustomer(id: $c) }", {"c": ann})

    db = service.services.db
    ids = [ann, bob, cat]
    assert await db.customers.count_documents({"_id": {"$in": ids}}) == 0
    assert await db.identities.count_documents({"customerId": {"$in": ids}}) == 0
    assert await db.sessions.count_documents({"customerId": {"$in": ids}}) == 0
    assert await db.events.count_documents({"customerId": {"$in": ids}}) == 0
    for email in ("ann@shop.example", "bob@shop.example", "cat@shop.example"):
        assert await by_identity(service, "EMAIL", email) is None
    assert (await by_identity(service, "EMAIL", "other@shop.example"))["id"] == other
