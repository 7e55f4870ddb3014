"""Runs the mongoeco wire server as its own process: `python -m storage.embedded_server`.

A separate process keeps the store's CPU work off the service's event loop, and
lets both use the two cores. The first line printed on stdout is the connection URI.

With a SQLite file, the store holds an exclusive lock on `store.lock` beside it for as
long as it runs (so no second store ever opens the same file) and writes its address to
`store.uri` there (so commands and services can find it). With --exit-with-parent it stops
when its standard input closes: the service that started it has gone, even if killed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from storage.store_lock import LOCK_FILE, URI_FILE, DirectoryLock


async def serve(engine_name: str, path: str | None, host: str, port: int, exit_with_parent: bool) -> None:
    from mongoeco.engines import MemoryEngine, SQLiteEngine
    from mongoeco.wire import AsyncMongoEcoProxyServer

    engine: MemoryEngine | SQLiteEngine
    if engine_name == "sqlite":
        assert path is not None, "main() refuses --engine sqlite without --path"
        _correct_engine()
        engine = SQLiteEngine(path)
    else:
        engine = MemoryEngine()
    server = AsyncMongoEcoProxyServer(engine=engine, host=host, port=port)
    address = await server.start()
    uri_file = Path(path).parent / URI_FILE if path else None
    if uri_file is not None:
        uri_file.write_text(address.uri)
    print(address.uri, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if exit_with_parent:
        threading.Thread(target=_await_eof, args=(loop, stop), daemon=True).start()
    try:
        await stop.wait()
    finally:
        await server.close()
        if uri_file is not None:
            uri_file.unlink(missing_ok=True)


def _correct_engine() -> None:
    """Apply storage.embedded_corrections unless the installed mongoeco is another
    version; with JOURNEY_EMBEDDED_CORRECTIONS=0 (to measure the store without them) only
    the one that changes no cost (5)."""
    from storage import embedded_corrections

    if not embedded_corrections.applicable():
        print(f"embedded store: corrections for mongoeco {embedded_corrections.CORRECTED_VERSION} "
              "not applied to another version; its cost grows with stored data", file=sys.stderr)
        return
    if os.environ.get("JOURNEY_EMBEDDED_CORRECTIONS", "1") == "0":
        # Changes no cost: without it a busy file at a renewal fails the store's stop.
        embedded_corrections.renew_registrations_when_free()
        return
    embedded_corrections.apply()


def _await_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    # The descriptor, not sys.stdin: a thread blocked in a buffered read holds the
    # buffer's lock, which the interpreter's own shutdown then cannot take (a fatal error).
    while os.read(sys.stdin.fileno(), 65536):
        pass
    loop.call_soon_threadsafe(stop.set)


def main() -> None:
    parser = argparse.ArgumentParser(description="Embedded MongoDB wire server (mongoeco)")
    parser.add_argument("--engine", choices=("memory", "sqlite"), default="memory")
    parser.add_argument("--path", help="SQLite file, for --engine sqlite")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when standard input closes (the starting process has gone)")
    args = parser.parse_args()
    if args.engine == "sqlite" and not args.path:
        parser.error("--engine sqlite needs --path")
    lock = None
    if args.path:
        directory = Path(args.path).resolve().parent
        directory.mkdir(parents=True, exist_ok=True)
        lock = DirectoryLock(directory / LOCK_FILE)
        if not lock.acquire():
            holder = f" (pid {lock.holder()})" if lock.holder() else ""
            # On stdout, where the starting process reads the first line.
            print(f"another embedded store{holder} already uses {directory}", flush=True)
            sys.exit(3)
    status = 0
    try:
        asyncio.run(serve(args.engine, args.path, args.host, args.port, args.exit_with_parent))
    except BaseException:  # reported, then the same exit (os._exit) as a clean stop
        traceback.print_exc()
        status = 1
    finally:
        if lock is not None:
            lock.release()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # the stdin reader may still be blocked; nothing else is left to do


if __name__ == "__main__":
    main()
