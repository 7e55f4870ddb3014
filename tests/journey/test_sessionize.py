from datetime import UTC, datetime, timedelta

from journey.sessionize import SessionCursor, assign_sessions, session_id

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=30)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_first_event_opens_the_first_session():
    numbers, cursor = assign_sessions(SessionCursor(), [at(0)], TIMEOUT)
    assert numbers == [1] and cursor.seq == 1 and cursor.last_activity == at(0)


def test_events_less_than_the_timeout_apart_share_a_session():
    numbers, _ = assign_sessions(SessionCursor(), [at(0), at(29), at(58)], TIMEOUT)
    assert numbers == [1, 1, 1]


def test_a_gap_of_the_timeout_opens_a_new_session():
    numbers, cursor = assign_sessions(SessionCursor(), [at(0), at(30), at(31), at(90)], TIMEOUT)
    assert numbers == [1, 2, 2, 3] and cursor.seq == 3


def test_continues_the_stored_session_when_recent():
    numbers, _ = assign_sessions(SessionCursor(seq=4, last_activity=at(0)), [at(10)], TIMEOUT)
    assert numbers == [4]


def test_late_event_stays_in_the_current_session():
    numbers, cursor = assign_sessions(SessionCursor(seq=2, last_activity=at(100)), [at(10)], TIMEOUT)
    assert numbers == [2] and cursor.last_activity == at(100)


def test_a_closed_session_is_never_continued():
    numbers, cursor = assign_sessions(SessionCursor(seq=2, last_activity=at(0), closed=True), [at(1)], TIMEOUT)
    assert numbers == [3] and not cursor.closed


def test_session_ids_are_stable_and_distinct():
    assert session_id("c-1", 1) == session_id("c-1", 1)
    assert len({session_id("c-1", 1), session_id("c-1", 2), session_id("c-2", 1)}) == 3
