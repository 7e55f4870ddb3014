"""Keeps each engagement's state on its session and turns down illegal transitions."""

from __future__ import annotations

from typing import Any

from journey.engagements.events import ANSWERS, transition_refusal
from journey.work import SessionWork


class EngagementStage:
    async def prepare(self, works: list[SessionWork]) -> None:
        """The stored sessions already hold every engagement's state: nothing to read."""

    def process(self, work: SessionWork) -> None:
        engagements: dict[str, dict[str, Any]] = dict(work.stored_fields.get("engagements") or {})
        page = work.stored_fields.get("lastPage")
        for document in list(work.items):
            if document["kind"] == "PAGEVIEW":
                page = document["page"]
            if document["kind"] != "WEB_ACTION":
                continue
            detail = document["engagement"]
            known = engagements.get(detail["engagementId"])
            if known and known["mediaType"] != detail["mediaType"]:
                work.refuse(document, f"mediaType: the engagement is a {known['mediaType']} engagement")
                continue
            refusal = transition_refusal(known["state"] if known else None, detail["state"])
            if refusal:
                work.refuse(document, f"state: {refusal}")
                continue
            if document.get("page") is None and page is not None:
                # Tie the engagement to the page the visitor was on when it happened.
                document["page"] = {"url": page["url"], "title": page.get("title")}
            offered_at = known.get("offeredAt") if known else None
            if detail["state"] == "offered":
                offered_at = document["occurredAt"]
            if detail["state"] in ANSWERS and offered_at is not None:
                detail["responseSeconds"] = round((document["occurredAt"] - offered_at).total_seconds(), 3)
            engagements[detail["engagementId"]] = {
                "mediaType": detail["mediaType"], "state": detail["state"], "offeredAt": offered_at,
            }
            work.delta.sets[f"engagements.{detail['engagementId']}"] = engagements[detail["engagementId"]]
