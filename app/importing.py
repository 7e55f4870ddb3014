"""POST /import: historical events from a CSV or JSON Lines file, for admins.

`?format=csv|jsonl` (or a Content-Type of text/csv or application/x-ndjson) and
`?deployment=<id>` (default `default`); the answer is the import's summary.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from access import permissions as perm
from app.graphql_view import UNAUTHORIZED
from core.errors import InvalidInput
from journey.history import FORMATS, read_rows
from journey.importing import import_rows

FORMAT_OF_CONTENT_TYPE = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
}


def _format(request: Request) -> str:
    chosen = request.query_params.get("format")
    if chosen is None:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        chosen = FORMAT_OF_CONTENT_TYPE.get(content_type)
    if chosen not in FORMATS:
        raise InvalidInput(
            "format", "give ?format=csv or ?format=jsonl, or a Content-Type of text/csv or application/x-ndjson"
        )
    return chosen


async def import_events(request: Request) -> JSONResponse:
    services = request.app.state.services
    principal = await services.authenticator.authenticate(request.headers.get("authorization"))
    if principal is None:
        return JSONResponse({"error": UNAUTHORIZED}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if not principal.may(perm.EVENT_IMPORT):
        return JSONResponse(
            {"error": f"Forbidden: importing events requires the '{perm.EVENT_IMPORT}' permission"},
            status_code=403,
        )
    try:
        kind = _format(request)
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("body", "must be UTF-8 text") from None
        summary = await import_rows(
            services.importer,
            list(read_rows(text, kind)),
            deployment_id=request.query_params.get("deployment", "default"),
            batch_size=services.settings.max_batch_events,
        )
    except InvalidInput as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse(summary.as_json())
