"""Starts, supervises and stops the embedded store process for the service and the tests.

The store runs in a session of its own, so Ctrl+C in a terminal reaches only the service,
which stops the store once requests have drained; and it exits by itself when the service
is gone however it went (its standard input closes). A store already running on the same
SQLite file (started by hand, or outliving its service) is reused when it answers and
refused when it does not: never a second store on one file.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from storage.store_lock import LOCK_FILE, URI_FILE, DirectoryLock

log = logging.getLogger(__name__)
_RESTART_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)
_ADOPTED_POLL_SECONDS = 0.5
_LEFTOVER_GRACE_SECONDS = 10.0
_PROJECT = Path(__file__).resolve().parent.parent
"""How long a store that holds the file but does not answer is waited for: it may be busy
with one long write, or finishing its exit."""


class StoreUnavailable(RuntimeError):
    """The embedded store cannot be started; the message says why and what to do."""


async def answers(uri: str, timeout: float = 2.0) -> bool:
    """Whether a store at uri answers a ping (a listening socket alone is not enough:
    a stopped or wedged process still accepts connections)."""
    client: AsyncMongoClient = AsyncMongoClient(
        uri, serverSelectionTimeoutMS=int(timeout * 1000), connectTimeoutMS=int(timeout * 1000),
        socketTimeoutMS=int(timeout * 1000),
    )
    try:
        await client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        await client.close()


class EmbeddedStore:
    def __init__(self, *, engine: str = "memory", path: Path | None = None, port: int = 0) -> None:
        """port: 0 for any free one."""
        self._engine = engine
        self._path = path
        self._port = port
        self._process: asyncio.subprocess.Process | None = None
        self._adopted = False
        self._stopping = False
        self._supervisor: asyncio.Task | None = None
        self.uri: str | None = None
        self.restarts = 0

    @property
    def _directory(self) -> Path | None:
        return self._path.resolve().parent if self._engine == "sqlite" and self._path else None

    @staticmethod
    async def running_uri(data_dir: Path) -> str | None:
        """The URI of a store running on data_dir's SQLite file, if it answers.

        Commands use it rather than open the same SQLite file from a second process."""
        if not DirectoryLock(data_dir / LOCK_FILE).is_held():
            return None
        try:
            uri = (data_dir / URI_FILE).read_text().strip()
        except OSError:
            return None
        return uri if await answers(uri) else None

    @property
    def pid(self) -> int | None:
        """The store's process id; for a reused store, the one it wrote in its lock file."""
        if self._process is not None:
            return self._process.pid
        if self._adopted and self._directory is not None:
            return DirectoryLock(self._directory / LOCK_FILE).holder()
        return None

    async def start(self, timeout: float = 30.0) -> str:
        directory = self._directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            running = await self._running_store(directory)
            if running is not None:
                self.uri, self._adopted = running, True
                log.info("reusing the embedded store already running on %s at %s", directory, running)
                return running
        self.uri = await self._spawn(self._port, timeout)
        return self.uri

    async def _running_store(self, directory: Path) -> str | None:
        """The URI of the store that holds directory's lock, None when none does."""
        lock = DirectoryLock(directory / LOCK_FILE)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _LEFTOVER_GRACE_SECONDS
        while lock.is_held():
            uri = await EmbeddedStore.running_uri(directory)
            if uri is not None:
                return uri
            if loop.time() > deadline:
                raise StoreUnavailable(
                    f"an embedded store (pid {lock.holder() or 'unknown'}) holds {lock.path} but does "
                    f"not answer; stop that process, then start again"
                )
            await asyncio.sleep(0.2)
        return None

    async def _spawn(self, port: int, timeout: float) -> str:
        args = [sys.executable, "-m", "storage.embedded_server", "--engine", self._engine,
                "--port", str(port), "--exit-with-parent"]
        if self._path is not None and self._engine == "sqlite":
            args += ["--path", str(self._path)]
        self._process = process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            cwd=_PROJECT,
            start_new_session=True,  # Ctrl+C is for the service; it stops the store after draining
        )
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), timeout)
        except TimeoutError:
            await self._end(process)
            raise StoreUnavailable("the embedded store did not start in time") from None
        if not line.startswith(b"mongodb://"):
            await self._end(process)
            raise StoreUnavailable(line.decode(errors="replace").strip() or "the embedded store failed to start")
        return line.decode().strip()

    def supervise(self) -> None:
        """Start the store again, at the same address, whenever it stops unasked."""
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._supervise(), name="embedded-store-supervisor")

    async def _supervise(self) -> None:
        assert self.uri is not None, "supervise() follows start()"
        port = int(self.uri.removeprefix("mongodb://").split("/")[0].rsplit(":", 1)[1])
        while not self._stopping:
            await self._exited()
            if self._stopping:
                return
            log.error("the embedded store stopped; starting it again on port %d", port)
            for attempt in itertools.count():
                await asyncio.sleep(_RESTART_DELAYS[min(attempt, len(_RESTART_DELAYS) - 1)])
                try:
                    self._adopted = False
                    running = await self._running_store(self._directory) if self._directory else None
                    if running is not None:
                        self._adopted = True
                    else:
                        await self._spawn(port, 30.0)
                    self.restarts += 1
                    log.info("the embedded store is back on port %d", port)
                    break
                except (StoreUnavailable, OSError) as error:
                    log.error("the embedded store did not start again (%s); retrying", error)

    async def _exited(self) -> None:
        if self._process is not None:
            await self._process.wait()
            return
        assert self._directory is not None, "only a store kept in a directory is adopted"
        lock = DirectoryLock(self._directory / LOCK_FILE)
        while lock.is_held():  # noqa: ASYNC110 - another process holds it; nothing here can signal its release
            await asyncio.sleep(_ADOPTED_POLL_SECONDS)

    async def stop(self) -> None:
        """Stop the store this object started (a reused one keeps running)."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            try:
                await self._supervisor
            except asyncio.CancelledError:
                pass
        process, self._process = self._process, None
        if process is not None:
            await self._end(process)

    @staticmethod
    async def _end(process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        if process.stdin is not None:
            process.stdin.close()
