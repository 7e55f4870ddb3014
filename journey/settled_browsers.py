"""Where this instance last left the browsers it served, so that a browser's next batch
reads its current session alongside taking its turn rather than after it.

Every turn taken on a browser counts one more claim on its cookie identity
(storage.identities.CLAIMS). A pass that ends by moving a browser's cursor and giving its
turn back notes the claim it held and the session number it left. When the next claim
answers that claim plus one, no batch has worked on the browser since, on any instance:
the session read before the claim is the browser's current session as stored. Any other
answer (another instance's batch, a pass cut off, a turn that had to be waited for)
means reading the sessions again once the turn is held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cachetools import LRUCache

from journey.sessionize import session_id
from storage.documents import IdentityDocument, SessionDocument


@dataclass(frozen=True, slots=True)
class _Left:
    claim: int
    seq: int


@dataclass(slots=True)
class Foreseen:
    """The sessions read while the batch's turns were being taken, and where this
    instance had left those browsers."""

    left: dict[str, _Left]
    sessions: dict[str, SessionDocument]

    def holds(self, identities: Mapping[str, IdentityDocument]) -> bool:
        """Whether the sessions read are the browsers' sessions as stored now that their
        turns are held: no browser was worked on since this instance left it (or it is
        new, with no session yet)."""
        return all(self._untouched(cookie, identity) for cookie, identity in identities.items())

    def _untouched(self, cookie: str, identity: IdentityDocument) -> bool:
        web = identity.get("web") or {}
        claim, seq = web.get("claims"), web.get("seq", 0)
        if claim == 1 and seq == 0:
            return True  # the first turn ever taken: the browser has no session
        left = self.left.get(cookie)
        return left is not None and claim == left.claim + 1 and seq == left.seq


class SettledBrowsers:
    """Bounded: the least recently served browsers are forgotten first (their next batch
    reads after its claim, as without this)."""

    def __init__(self, capacity: int) -> None:
        self._left: LRUCache[str, _Left] = LRUCache(maxsize=capacity)

    def current_sessions(self, cookie_ids: Iterable[str]) -> tuple[dict[str, _Left], list[str]]:
        """Where each browser was left, and the ids of the sessions it was left in."""
        left = {cookie: self._left[cookie] for cookie in cookie_ids if cookie in self._left}
        return left, [session_id(cookie, place.seq) for cookie, place in left.items() if place.seq]

    def settle(self, cookie_id: str, *, claim: int | None, seq: int) -> None:
        """The browser's cursor was moved to session `seq` and its turn given back by the
        pass that held claim number `claim`."""
        if claim is None:
            self._left.pop(cookie_id, None)
        else:
            self._left[cookie_id] = _Left(claim, seq)
