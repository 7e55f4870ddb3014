"""What a stored identify or logout item does to identities.

Identify notes the identities the visitor only claimed on its own customer, and stitches
the browser's customer to those it proved; logout moves the browser to a new anonymous
customer. The ingest calls this once the item is stored, and marks the item as having
acted afterwards, so a batch cut off in between acts on its retry."""

from __future__ import annotations

import uuid

from journey.identify.stitching import Stitcher
from storage import identities, sessions
from storage.database import Database
from storage.documents import EventDocument

ACTIONS = ("identify", "logout")
"""The event types whose items act on identities once stored."""
_LOGOUT_NAMESPACE = uuid.UUID("3b1f6a52-9d0e-4c7b-8e2a-5f4d1c9b7a60")


async def act(db: Database, stitcher: Stitcher, item: EventDocument) -> None:
    cookie = await identities.find(db, kind="COOKIE", value=item["cookieId"])
    assert cookie is not None, "the browser of a stored item has its cookie identity"
    if item["type"] == "identify":
        await _identify(db, stitcher, item, cookie["customerId"])
    else:
        await stitcher.logout(
            cookie_id=item["cookieId"], customer_id=cookie["customerId"], session_id=item["sessionId"],
            # Named by the event, so a logout carried out twice rotates the cookie once.
            new_customer_id=str(uuid.uuid5(_LOGOUT_NAMESPACE, item["dedupeKey"])),
        )


async def _identify(db: Database, stitcher: Stitcher, item: EventDocument, customer_id: str) -> None:
    identify = item["identify"]
    if identify.get("claims"):
        # Unverified: noted on the browser's own customer, never stitched anywhere.
        await stitcher.claim(
            customer_id=customer_id, claimed=identify["claims"],
            traits={} if identify["identities"] else identify["traits"],
            claimed_at=item["occurredAt"], event_key=item["dedupeKey"],
        )
    if identify["identities"]:
        await stitcher.identify(
            customer_id=customer_id, claimed=identify["identities"], traits=identify["traits"],
        )
        await sessions.mark_authenticated(db, session_id=item["sessionId"])
