import pytest

from tests.support.sqlite_work import WorkCounter, count_sqlite_work


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> WorkCounter:
    """Counts the work of every SQLite connection opened from here on."""
    return count_sqlite_work(monkeypatch)
