"""Runs the mongoeco wire server as its own process: `python -m storage.embedded_server`.

A separate process keeps the store's CPU work off the service's event loop, and
lets both use the two cores. The first line printed on stdout is the connection URI.
"""

from __future__ import annotations

import argparse
import asyncio
import signal


async def serve(engine_name: str, path: str | None, host: str, port: int) -> None:
    from mongoeco.engines import MemoryEngine, SQLiteEngine
    from mongoeco.wire import AsyncMongoEcoProxyServer

    engine = MemoryEngine() if engine_name == "memory" else SQLiteEngine(path)
    server = AsyncMongoEcoProxyServer(engine=engine, host=host, port=port)
    address = await server.start()
    print(address.uri, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Embedded MongoDB wire server (mongoeco)")
    parser.add_argument("--engine", choices=("memory", "sqlite"), default="memory")
    parser.add_argument("--path", help="SQLite file, for --engine sqlite")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.engine == "sqlite" and not args.path:
        parser.error("--engine sqlite needs --path")
    asyncio.run(serve(args.engine, args.path, args.host, args.port))


if __name__ == "__main__":
    main()
