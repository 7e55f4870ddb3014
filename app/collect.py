"""POST /collect: the tracker's door into the ingest pipeline."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.rate_limit import retry_after
from core.errors import InvalidInput, Unavailable
from journey import deployment_ids
from journey.deployment_ids import is_deployment_id
from journey.incoming import Source
from journey.ingest import RawEvent
from storage.database import STORE_UNREACHABLE
from storage.documents import DeploymentDocument

UNKNOWN_DEPLOYMENT = "?"
"""Not a valid deployment id, so no real deployment's bucket."""

CORS_PREFLIGHT = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "content-type",
    "Access-Control-Max-Age": "86400",
}


def _cors(origin: str | None) -> dict[str, str]:
    if not origin:
        return {}
    # Retry-After must be readable by a snippet on another origin to back off properly.
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", "Access-Control-Expose-Headers": "Retry-After"}


def _error(message: str, status: int = 400, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def origin_refusal(deployment: DeploymentDocument, origin: str | None) -> str | None:
    allowed = deployment.get("allowedOrigins") or []
    if "*" in allowed:
        return None
    if not origin:
        return f"Origin: required by deployment '{deployment['_id']}'"
    if origin.lower() not in allowed:
        return f"Origin: '{origin}' is not allowed for deployment '{deployment['_id']}'"
    return None


async def preflight(request: Request) -> Response:
    return Response(status_code=204, headers={**CORS_PREFLIGHT, **_cors(request.headers.get("origin"))})


def _refuse(request: Request, message: str, status: int = 400, headers: dict[str, str] | None = None) -> Response:
    """A batch turned away before the ingest pipeline (which counts its own refusals)."""
    request.app.state.metrics.count_rejected_batch(message)
    return _error(message, status=status, headers=headers)


async def collect(request: Request) -> Response:
    state = request.app.state
    cors = _cors(request.headers.get("origin"))
    try:
        with state.admission.batch():
            response = await _collect(request, state.services, cors)
    except Unavailable as refusal:
        # Nothing of the batch is confirmed: the client sends it again, and its event ids
        # make the retry complete what this attempt began. Admission counted the refusal.
        if isinstance(refusal.__cause__, STORE_UNREACHABLE):
            state.readiness.store_seen(reachable=False)
        return _error(str(refusal), status=503, headers={**cors, "Retry-After": str(refusal.retry_after)})
    if response.status_code == 200:
        state.readiness.store_seen(reachable=True)
    return response


async def _collect(request: Request, services: Any, cors: dict[str, str]) -> Response:
    origin = request.headers.get("origin")
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return _refuse(request, "body: is not valid JSON", headers=cors)
    if not isinstance(body, dict):
        return _refuse(request, "body: must be a JSON object", headers=cors)
    deployment_id = body.get("deploymentId")
    if not is_deployment_id(deployment_id):
        reason = "is required" if deployment_id is None else deployment_ids.RULE
        return _refuse(request, f"deploymentId: {reason}", headers=cors)
    deployment = await services.ingestor.deployment(deployment_id)
    if deployment is not None:
        refusal = origin_refusal(deployment, origin)
        if refusal:
            return _refuse(request, refusal, status=403)
    client = request.client.host if request.client else "unknown"
    # Unknown ids share one bucket per address: rotating made-up ids gains nothing.
    bucket = deployment_id if deployment is not None else UNKNOWN_DEPLOYMENT
    wait = request.app.state.collect_limiter.acquire((bucket, client))
    if wait:
        return _refuse(
            request,
            "rate limit: too many batches from this address; retry later",
            status=429,
            headers={**cors, "Retry-After": retry_after(wait)},
        )
    if deployment is None:
        return _refuse(request, f"deploymentId: unknown deployment '{deployment_id}'", headers=cors)
    events = body.get("events")
    if not isinstance(events, list):
        return _refuse(request, "events: must be a list", headers=cors)
    source = Source(
        user_agent=request.headers.get("user-agent"),
        ip=request.client.host if request.client else None,
        accept_language=request.headers.get("accept-language"),
    )
    try:
        result = await services.ingestor.ingest(
            deployment_id=deployment_id,
            batch=[RawEvent(payload=e, cookie_id=body.get("cookieId"), source=source) for e in events],
        )
    except InvalidInput as error:
        return _error(str(error), headers=cors)
    payload: dict[str, Any] = {
        **result.counts(),
        "events": [
            {"id": r.id, "status": r.status, "reason": r.reason, "sessionId": r.session_id}
            for r in result.events
        ],
        "customerIds": result.customer_ids,
        "sessionIds": result.session_ids,
    }
    return JSONResponse(payload, headers=cors)
