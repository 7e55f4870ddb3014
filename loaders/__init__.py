"""DataLoaders, made afresh per request and per pushed live event.

Every loader applies the caller's division visibility, so no path (list, direct
fetch, nested field) can reach a session the caller may not see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from strawberry.dataloader import DataLoader

from access import permissions
from access.principal import Principal
from journey.segments.catalog import Catalog, SegmentCatalog, SegmentView
from storage import customers, identities, sessions
from storage.database import Database
from storage.documents import SessionDocument
from storage.pages import Sort, children_pages

SESSION_ORDER: Sort = [("startedAt", -1), ("_id", -1)]
JOURNEY_ORDER: Sort = [("occurredAt", 1), ("_id", 1)]
PageKey = tuple[str, int, tuple | None]


def _grouped_page_loader(fetch: Callable) -> DataLoader:
    """A loader keyed by (parent, limit, after) that asks once per distinct (limit, after)."""

    async def load(keys: list[PageKey]) -> list[list[dict[str, Any]]]:
        groups: dict[tuple[int, tuple | None], list[str]] = defaultdict(list)
        for parent, limit, after in keys:
            groups[(limit, after)].append(parent)
        results: dict[PageKey, list[dict[str, Any]]] = {}
        for (limit, after), parents in groups.items():
            pages = await fetch(parents, limit, list(after) if after is not None else None)
            for parent in parents:
                results[(parent, limit, after)] = pages[parent]
        return [results[key] for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(
        self, db: Database, principal: Principal, segments: SegmentCatalog | None = None
    ) -> None:
        self._db = db
        self._principal = principal
        self._segment_catalog = segments
        self._segment_view: SegmentView | None = None
        visible = principal.session_filter()

        async def customers_by_id(ids: list[str]) -> list[dict[str, Any] | None]:
            found = {doc["_id"]: doc for doc in await customers.by_ids(db, ids=ids)}
            return [found.get(key) for key in ids]

        async def sessions_by_id(ids: list[str]) -> list[SessionDocument | None]:
            found = {doc["_id"]: doc for doc in await sessions.by_ids(db, ids=ids, match=visible)}
            return [found.get(key) for key in ids]

        async def identities_by_customer(ids: list[str]) -> list[list[dict[str, Any]]]:
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for doc in await identities.of_customers(db, customer_ids=ids):
                grouped[doc["customerId"]].append(doc)
            return [grouped[key] for key in ids]

        async def session_pages(parents: list[str], limit: int, after: list | None):
            return await children_pages(
                db,
                "sessions",
                parent_field="customerId",
                parent_ids=parents,
                sort=SESSION_ORDER,
                limit=limit,
                after=after,
                match=visible or None,
            )

        async def journey_pages(parents: list[str], limit: int, after: list | None):
            return await children_pages(
                db,
                "events",
                parent_field="sessionId",
                parent_ids=parents,
                sort=JOURNEY_ORDER,
                limit=limit,
                after=after,
                match=await self._map_items_shown(),
            )

        self.customer = DataLoader(load_fn=customers_by_id)
        self.session = DataLoader(load_fn=sessions_by_id)
        self.identities = DataLoader(load_fn=identities_by_customer)
        self.session_page = _grouped_page_loader(session_pages)
        self.journey_page = _grouped_page_loader(journey_pages)

    async def segments(self) -> SegmentView:
        """The segments the caller may see, taken once per request (and per pushed event)."""
        if self._segment_view is None:
            catalog = await self._segment_catalog.current() if self._segment_catalog else Catalog(-1, ())
            self._segment_view = catalog.view(sees_hidden=self._principal.may(permissions.SEGMENT_EDIT))
        return self._segment_view

    async def _map_items_shown(self) -> dict[str, Any] | None:
        """Leaves out the matches of segments hidden from the caller (or deleted)."""
        view = await self.segments()
        if view.sees_hidden:
            return None
        return {"$or": [{"kind": {"$ne": "SEGMENT_MATCHED"}}, {"segment.id": {"$in": view.shown_ids()}}]}

    def prime_session(self, doc: dict[str, Any]) -> None:
        """A pushed session arrives whole; keep its nested fields from reading it again."""
        self.session.prime(doc["_id"], doc)
