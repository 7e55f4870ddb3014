"""Query.viewer tells a UI what the caller may read, so it asks for nothing else."""

from __future__ import annotations

from access import permissions as perm
from tests.access.conftest import token

VIEWER = "{ viewer { name permissions divisions } }"


async def test_the_viewer_is_the_caller_with_its_permissions(secured):
    visit_only = await secured.data(VIEWER, token=token([perm.VISIT_VIEW], ["d1"]))
    assert visit_only["viewer"] == {"name": "agent-1", "permissions": [perm.VISIT_VIEW], "divisions": ["d1"]}
    admin = await secured.data(VIEWER)
    assert admin["viewer"]["permissions"] == sorted(perm.ALL)
    assert admin["viewer"]["divisions"] == ["*"]


async def test_an_anonymous_caller_has_no_viewer(secured):
    response = await secured.http.post("/graphql", json={"query": VIEWER})
    assert response.status_code == 401
