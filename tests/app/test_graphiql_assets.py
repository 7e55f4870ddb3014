"""The GraphiQL page loads nothing from another site, and its assets are served here,
compressed for browsers that accept it."""

from __future__ import annotations

import re


async def test_graphiql_assets_are_all_served_by_the_service(service):
    page = await service.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 6
    assert [asset for asset in assets if asset.startswith(("http:", "https:", "//"))] == []
    for asset in assets:
        if asset.startswith("data:"):
            continue
        response = await service.http.get(asset, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, asset
    bundle = await service.http.get("/graphiql/vendor/graphiql.min.js", headers={"Accept-Encoding": "gzip"})
    assert bundle.headers["content-encoding"] == "gzip"
    assert bundle.num_bytes_downloaded < 1_000_000  # 3.5 MB uncompressed
