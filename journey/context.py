"""The visit context: who visits and where from, taken once as a session starts."""

from __future__ import annotations

from typing import Any

from enrichment import build_context
from journey.incoming import Source
from journey.work import SessionWork

VISITOR_TRAITS = ("browser", "device", "geolocation")
"""The parts of a visit context that describe the visitor rather than the visit; the
latest visit's are the customer's traits."""


def visit_context(work: SessionWork) -> dict[str, Any] | None:
    """The context of the session, whether this batch opens it or it was stored before."""
    if "context" in work.delta.on_insert:
        return work.delta.on_insert["context"]
    return work.stored_fields.get("context")


class VisitContextStage:
    """Enriches each new session from the request behind its first event and its
    landing page: browser, device, country, referrer medium, campaign."""

    def __init__(self, *, anonymise_ip: bool) -> None:
        self._anonymise_ip = anonymise_ip

    async def prepare(self, works: list[SessionWork]) -> None:
        pass

    def process(self, work: SessionWork) -> None:
        if not work.is_new:
            return
        source = work.source or Source()
        landing = next((doc for doc in work.items if doc.get("page")), None)
        landing_page = landing.get("page") if landing else None
        context = build_context(
            user_agent=source.user_agent,
            ip=source.ip,
            referrer=landing.get("referrer") if landing else None,
            page_url=landing_page["url"] if landing_page else None,
            accept_language=source.accept_language,
            anonymise_ip=self._anonymise_ip,
        )
        context["authenticated"] = False
        work.delta.on_insert["context"] = context
        work.customer_sets["visitTraits"] = {key: context[key] for key in VISITOR_TRAITS}
