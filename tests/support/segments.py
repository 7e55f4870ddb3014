"""Defining segments through the real GraphQL API, for tests."""

from __future__ import annotations

from typing import Any

from tests.support.service import ADMIN_TOKEN, Service

SEGMENT_FIELDS = "id name color description scope displayToAgent active conditions { field operator values count }"
CREATE = f"mutation($input: SegmentInput!) {{ createSegment(input: $input) {{ {SEGMENT_FIELDS} }} }}"
ASSIGNED = """query($id: ID!) { session(id: $id) {
    segments { segment { id name color } assignedAt }
    journey { nodes { kind name icon segment { id name color } } } } }"""


def condition(field: str, operator: str, *values: str, count: int | None = None) -> dict[str, Any]:
    return {"field": field, "operator": operator, "values": list(values), "count": count}


def segment_input(name: str = "Segment", *conditions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "color": "#FF8800",
        "scope": "SESSION",
        "conditions": list(conditions) or [condition("eventName", "EQUAL", "pageview")],
        **fields,
    }


async def create_segment(
    service: Service, name: str = "Segment", *conditions: dict[str, Any], token: str = ADMIN_TOKEN,
    **fields: Any,
) -> dict[str, Any]:
    data = await service.data(CREATE, {"input": segment_input(name, *conditions, **fields)}, token=token)
    return data["createSegment"]


async def matched(service: Service, session_id: str, token: str = ADMIN_TOKEN) -> list[str]:
    """Names of the segments a session holds, in the order assigned."""
    data = await service.data(ASSIGNED, {"id": session_id}, token=token)
    return [assignment["segment"]["name"] for assignment in data["session"]["segments"]]


async def map_matches(service: Service, session_id: str, token: str = ADMIN_TOKEN) -> list[dict[str, Any]]:
    """The SEGMENT_MATCHED items of a session's journey map, in order."""
    data = await service.data(ASSIGNED, {"id": session_id}, token=token)
    return [node for node in data["session"]["journey"]["nodes"] if node["kind"] == "SEGMENT_MATCHED"]
