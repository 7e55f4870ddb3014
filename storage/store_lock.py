"""Exclusive locks on files in the data directory: one embedded store per SQLite file,
one service per data directory. The kernel releases them when their process ends, however
it ends, so a lock is never left behind by a killed process."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "store.lock"
"""Held by the embedded store process using the directory's SQLite file."""
URI_FILE = "store.uri"
"""Where that store listens, written by it once it does."""
SERVICE_LOCK_FILE = "service.lock"
"""Held by the service that runs with the directory as its data directory."""


class DirectoryLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def is_held(self) -> bool:
        """Whether some process (this one included) holds the lock now."""
        if self._fd is not None:
            return True
        if not self.acquire():
            return True
        self.release()
        return False

    def holder(self) -> int | None:
        """The process id the holder wrote, if it can be read."""
        try:
            return int(self.path.read_text().strip())
        except (OSError, ValueError):
            return None
