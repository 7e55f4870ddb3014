"""A catalog for the stage benchmarks: what a stage reads between refreshes, never
refreshed, so no database is needed. Mixed in before the stage's own catalog class, so
the stage gets the type it asks for:

    class FixedCatalog(NeverRefreshed[Catalog], SegmentCatalog): ...
"""

from __future__ import annotations


class NeverRefreshed[C]:
    def __init__(self, catalog: C) -> None:
        self._fixed = catalog

    @property
    def latest(self) -> C:
        return self._fixed

    async def current(self) -> C:
        return self._fixed
