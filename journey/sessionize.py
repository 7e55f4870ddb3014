"""Splitting one browser's events into web sessions. Pure: no I/O, no clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

_SESSION_NAMESPACE = uuid.UUID("8d3f7c1e-2a4b-4f8e-9c61-0b7a5e2d9f13")


@dataclass(frozen=True, slots=True)
class SessionCursor:
    """Where a browser's web sessions stand: the latest session number and its last activity."""

    seq: int = 0
    last_activity: datetime | None = None
    closed: bool = False


def session_id(cookie_id: str, seq: int) -> str:
    """Deterministic, so two instances that open the same session at once write one document."""
    return str(uuid.uuid5(_SESSION_NAMESPACE, f"{cookie_id}/{seq}"))


def assign_sessions(
    cursor: SessionCursor, moments: list[datetime], timeout: timedelta
) -> tuple[list[int], SessionCursor]:
    """Give each moment (in time order) a session number.

    A session continues while events come less than `timeout` apart. An event older
    than the latest activity arrived late and stays in the current session.
    """
    seq, last, closed = cursor.seq, cursor.last_activity, cursor.closed
    numbers: list[int] = []
    for moment in moments:
        if seq == 0 or last is None or (moment >= last and (closed or moment - last >= timeout)):
            seq += 1
            closed = False
        numbers.append(seq)
        last = moment if last is None else max(last, moment)
    return numbers, SessionCursor(seq=seq, last_activity=last, closed=closed)
