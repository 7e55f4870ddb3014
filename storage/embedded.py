"""Starts and stops the embedded store process for the service and the tests."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

URI_FILE = "store.uri"


class EmbeddedStore:
    def __init__(self, *, engine: str = "memory", path: Path | None = None, port: int = 0) -> None:
        """port: 0 for any free one."""
        self._engine = engine
        self._path = path
        self._port = port
        self._process: asyncio.subprocess.Process | None = None
        self.uri: str | None = None

    @staticmethod
    def running_uri(data_dir: Path) -> str | None:
        """The URI of a store a running service started on data_dir, if it still answers.

        Commands use it rather than open the same SQLite file from a second process."""
        try:
            uri = (data_dir / URI_FILE).read_text().strip()
            host, port = uri.removeprefix("mongodb://").split("/")[0].split(":")
            socket.create_connection((host, int(port)), timeout=1).close()
        except (OSError, ValueError):
            return None
        return uri

    async def start(self, timeout: float = 30.0) -> str:
        args = [sys.executable, "-m", "storage.embedded_server", "--engine", self._engine,
                "--port", str(self._port)]
        if self._engine == "sqlite":
            assert self._path is not None
            self._path.parent.mkdir(parents=True, exist_ok=True)
            args += ["--path", str(self._path)]
        self._process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent
        )
        assert self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), timeout)
        except TimeoutError:
            await self.stop()
            raise RuntimeError("embedded store did not start in time") from None
        if not line.startswith(b"mongodb://"):
            await self.stop()
            raise RuntimeError("embedded store failed to start")
        self.uri = line.decode().strip()
        if self._engine == "sqlite":
            (self._path.parent / URI_FILE).write_text(self.uri)
        return self.uri

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def stop(self) -> None:
        process, self._process = self._process, None
        if self._engine == "sqlite" and self._path is not None:
            (self._path.parent / URI_FILE).unlink(missing_ok=True)
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
