"""POST /collect: the tracker's door into the ingest pipeline."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from journey.errors import InvalidInput
from journey.ingest import RawEvent


def _error(message: str, status: int = 400, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def collect(request: Request) -> Response:
    services = request.app.state.services
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return _error("body: is not valid JSON")
    if not isinstance(body, dict):
        return _error("body: must be a JSON object")
    events = body.get("events")
    if not isinstance(events, list):
        return _error("events: must be a list")
    cookie_id = body.get("cookieId")
    try:
        result = await services.ingestor.ingest(
            deployment_id=body.get("deploymentId"),
            batch=[RawEvent(payload=event, cookie_id=cookie_id) for event in events],
        )
    except InvalidInput as error:
        return _error(str(error))
    payload: dict[str, Any] = {
        **result.counts(),
        "events": [
            {"id": r.id, "status": r.status, "reason": r.reason, "sessionId": r.session_id}
            for r in result.events
        ],
        "customerIds": result.customer_ids,
        "sessionIds": result.session_ids,
    }
    return JSONResponse(payload)
