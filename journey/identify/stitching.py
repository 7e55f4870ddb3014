"""Identity stitching: identify, logout, merge and split, erase and export.

An anonymous customer that identifies as a known one is merged into it, so all its
sessions appear on the known customer's cards (S6). Two customers identified with
different identities are never merged silently (B7): the conflict is recorded instead.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.clock import Clock
from core.errors import InvalidInput
from journey.outcomes.features import HISTORY, merged_history
from live import topics
from live.publishing import Publisher
from live.topics import Message, SessionChangeMessage
from storage import customer_data, customers, identities, merges, sessions
from storage.database import Database
from storage.identities import identity_key

log = logging.getLogger(__name__)

# Which identity decides where an anonymous visitor belongs when its identities point
# at different customers: the one least likely to be shared.
STRENGTH = ("EXTERNAL_ID", "EMAIL", "PHONE")
ATTEMPTS = 3


@dataclass(slots=True)
class Identified:
    customer_id: str
    conflicts: int = 0


class Stitcher:
    def __init__(self, *, db: Database, hub: Publisher, clock: Clock) -> None:
        self._db = db
        self._hub = hub
        self._clock = clock

    async def identify(
        self, *, customer_id: str, claimed: dict[str, str], traits: dict[str, Any]
    ) -> Identified:
        """Tie claimed identities ({IdentityType: normalised value}) to a customer."""
        for _ in range(ATTEMPTS):
            outcome = await self._try_identify(customer_id, claimed, traits)
            if outcome is not None:
                return outcome
        raise RuntimeError("identities kept changing under a concurrent identify")

    async def _try_identify(
        self, customer_id: str, claimed: dict[str, str], traits: dict[str, Any]
    ) -> Identified | None:
        """One look at who holds the claimed identities, and what follows from it; None
        when another customer took one of them meanwhile."""
        now = self._clock.now()
        owners = await self._owners(claimed)
        unheld = {kind: value for kind, value in claimed.items() if kind not in owners}
        if all(owner == customer_id for owner in owners.values()):
            return await self._attach_own(customer_id, unheld, traits, now)
        target = next(owners[kind] for kind in STRENGTH if owners.get(kind, customer_id) != customer_id)
        conflicts = await self._held_by_others(owners, claimed, target, customer_id)
        if await self._is_identified(customer_id):
            kind = next(k for k in STRENGTH if owners.get(k) == target)
            conflicts += await self._conflict(
                customer_id, target, kind, claimed[kind], "already identified differently"
            )
            return Identified(customer_id=customer_id, conflicts=conflicts)
        await self.merge(source_id=customer_id, target_id=target, reason="identify")
        await identities.attach(self._db, customer_id=target, identities=unheld, now=now)
        await customers.mark_identified(self._db, customer_id=target, traits=traits, now=now)
        return Identified(customer_id=target, conflicts=conflicts)

    async def _owners(self, claimed: dict[str, str]) -> dict[str, str]:
        """The customer holding each claimed identity already, by identity type."""
        keys = {kind: identity_key(kind, value) for kind, value in claimed.items()}
        held = {doc["_id"]: doc for doc in await identities.find_many(self._db, keys=list(keys.values()))}
        return {kind: held[key]["customerId"] for kind, key in keys.items() if key in held}

    async def _attach_own(
        self, customer_id: str, unheld: dict[str, str], traits: dict[str, Any], now: datetime
    ) -> Identified | None:
        """No other customer holds any of the identities: the customer takes those it lacks."""
        if await identities.attach(self._db, customer_id=customer_id, identities=unheld, now=now):
            return None  # another customer took one meanwhile: look again
        await customers.mark_identified(self._db, customer_id=customer_id, traits=traits, now=now)
        return Identified(customer_id=customer_id)

    async def _held_by_others(
        self, owners: dict[str, str], claimed: dict[str, str], target: str, customer_id: str
    ) -> int:
        """Records a conflict for each claimed identity a third customer holds: the target
        keeps its own, and they are never merged silently."""
        conflicts = 0
        for kind, owner in owners.items():
            if owner not in (target, customer_id):
                conflicts += await self._conflict(target, owner, kind, claimed[kind], "claimed by another customer")
        return conflicts

    async def claim(
        self, *, customer_id: str, claimed: dict[str, str], traits: dict[str, Any], claimed_at: datetime,
        event_key: str,
    ) -> None:
        """Note identities a browser claimed without proof on its own customer: shown as
        unverified, never stitched, never checked against other customers."""
        await customers.add_claims(self._db, customer_id=customer_id, claimed=claimed, traits=traits,
                                   claimed_at=claimed_at, event_key=event_key)

    async def _is_identified(self, customer_id: str) -> bool:
        doc = await customers.find(self._db, customer_id=customer_id)
        return bool(doc and doc.get("identified"))

    async def _conflict(self, customer_id: str, other: str, kind: str, value: str, reason: str) -> int:
        await customers.record_conflict(self._db, conflict={
            "customerId": customer_id, "otherCustomerId": other, "identityType": kind,
            "identityKey": identity_key(kind, value), "reason": reason, "at": self._clock.now(),
        })
        log.info("identity conflict between %s and %s on %s: %s", customer_id, other, kind, reason)
        return 1

    async def merge(self, *, source_id: str, target_id: str, reason: str = "admin") -> dict[str, Any]:
        if source_id == target_id:
            raise InvalidInput("targetId", "is the same customer as sourceId")
        for field, customer_id in (("sourceId", source_id), ("targetId", target_id)):
            doc = await customers.find(self._db, customer_id=customer_id)
            if doc is None:
                raise InvalidInput(field, "no such customer")
            # A merge of source into target cut off halfway is resumed.
            if doc.get("mergedInto") and (field, doc["mergedInto"]) != ("sourceId", target_id):
                raise InvalidInput(field, f"was merged into {doc['mergedInto']}")
        now = self._clock.now()
        record = await merges.move_customer(
            self._db, source_id=source_id, target_id=target_id, now=now, reason=reason)
        await customers.mark_merged(self._db, source_id=source_id, target_id=target_id, now=now)
        source = await customers.find(self._db, customer_id=source_id)
        if source:
            await customers.absorb(
                self._db, target_id=target_id, source=source, counters=merged_history(source.get(HISTORY)),
                merge_id=record["_id"],
            )
            if source.get("identified"):
                await customers.mark_identified(
                    self._db, customer_id=target_id, traits=source.get("traits") or {}, now=now
                )
        await merges.move_identities(self._db, record=record)
        await self._announce_moves(record["sessionIds"], {source_id, target_id})
        return record

    async def split(self, *, source_id: str) -> str:
        """Undo the latest merge of source_id into another customer."""
        merge = await merges.latest_into(self._db, source_id=source_id)
        if merge is None:
            raise InvalidInput("customerId", "was not merged into another customer")
        now = self._clock.now()
        await merges.undo(self._db, merge=merge, now=now)
        await customers.mark_merged(self._db, source_id=source_id, target_id=None, now=now)
        await self._announce_moves(merge["sessionIds"], {source_id, merge["targetId"]})
        return source_id

    async def _announce_moves(self, session_ids: list[str], customer_ids: set[str]) -> None:
        """Cards subscribers of both customers learn which sessions changed hands."""
        moved = await sessions.by_ids(self._db, ids=session_ids)
        messages: list[Message] = []
        for session in moved:
            payload: SessionChangeMessage = {"change": "MOVED", "session": session}
            messages += [(topics.cards(customer_id), payload) for customer_id in sorted(customer_ids)]
        await self._hub.publish(messages)

    async def logout(
        self, *, cookie_id: str, customer_id: str, session_id: str, new_customer_id: str | None = None
    ) -> None:
        """Everything the browser does next belongs to a new anonymous customer (S4).

        `new_customer_id`: who that is; a cookie that names it already was rotated by
        this same logout, which then only ends the session."""
        new_customer_id = new_customer_id or str(uuid.uuid4())
        if customer_id != new_customer_id:
            rotated = await identities.rotate_cookie(
                self._db, cookie_id=cookie_id, from_customer=customer_id, to_customer=new_customer_id)
            if not rotated:
                return
        ended = await sessions.end_if_idle(
            self._db, session_id=session_id, idle_before=None, now=self._clock.now())
        if ended is not None:
            await self._hub.publish(topics.session_change("INACTIVE", ended))

    async def erase(self, *, customer_id: str) -> int:
        """Remove the customer and everything about it; tell live subscribers. Returns
        the number of sessions removed."""
        doc = await customers.find(self._db, customer_id=customer_id)
        if doc is None:
            raise InvalidInput("id", "no such customer")
        ids = await customers.merged_into(self._db, customer_id=customer_id)
        removed = await customer_data.erase(self._db, customer_ids=ids)
        messages: list[Message] = []
        for session in removed:
            messages += topics.session_change("REMOVED", {**session, "customerId": customer_id})
        await self._hub.publish(messages)
        return len(removed)

    async def export(self, *, customer_id: str, visible_sessions: dict[str, Any]) -> dict[str, Any]:
        """Everything stored about a customer, but only the sessions (and their events)
        that match visible_sessions: a conversation of a division the caller does not hold
        stays out."""
        db = self._db
        doc = await customers.find(db, customer_id=customer_id)
        if doc is None:
            raise InvalidInput("id", "no such customer")
        return {
            "customer": doc,
            **await customer_data.export(db, customer_id=customer_id, visible_sessions=visible_sessions),
            "conflicts": await customers.conflicts_of(db, customer_ids=[customer_id]),
        }
