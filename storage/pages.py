"""Keyset pages, several parents at once: one aggregation returns the first page of
every parent's children, so a list of N parents costs one round trip, not N."""

from __future__ import annotations

from typing import Any, Literal

from pymongo.asynchronous.collection import AsyncCollection

from storage.database import Database

Sort = list[tuple[str, int]]
# The collections whose documents are listed in pages under a parent.
Children = Literal["sessions", "events"]


def after_filter(sort: Sort, after: list[Any] | None) -> dict[str, Any]:
    """Documents strictly after the cursor values, in the sort order."""
    if after is None:
        return {}
    clauses = []
    for depth, (field, direction) in enumerate(sort):
        clause = {name: value for (name, _), value in zip(sort[:depth], after[:depth], strict=True)}
        clause[field] = {"$gt" if direction > 0 else "$lt": after[depth]}
        clauses.append(clause)
    return {"$or": clauses}


async def children_pages(
    db: Database,
    children: Children,
    *,
    parent_field: str,
    parent_ids: list[str],
    sort: Sort,
    limit: int,
    after: list[Any] | None = None,
    match: dict[str, Any] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    conditions: list[dict[str, Any]] = [{parent_field: {"$in": parent_ids}}]
    if after is not None:
        conditions.append(after_filter(sort, after))
    if match:
        conditions.append(match)
    pipeline: list[dict[str, Any]] = [
        {"$match": {"$and": conditions} if len(conditions) > 1 else conditions[0]},
    ]
    if len(parent_ids) == 1:
        pipeline += [{"$sort": dict(sort)}, {"$limit": limit}]
    else:
        pipeline += [
            {
                "$setWindowFields": {
                    "partitionBy": f"${parent_field}",
                    "sortBy": dict(sort),
                    "output": {"_rank": {"$documentNumber": {}}},
                }
            },
            {"$match": {"_rank": {"$lte": limit}}},
            {"$sort": dict(sort)},
            {"$project": {"_rank": 0}},
        ]
    collection: AsyncCollection = getattr(db, children)
    pages: dict[str, list[dict[str, Any]]] = {parent: [] for parent in parent_ids}
    async for doc in await collection.aggregate(pipeline):
        pages[doc[parent_field]].append(doc)
    return pages
