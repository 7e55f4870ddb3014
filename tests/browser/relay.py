"""A TCP relay in front of the service that a test can cut and restore.

Cutting it is a real outage: connections are refused, for fetches and for beacons alike
(Playwright's request routing does not see beacons sent while a page unloads)."""

from __future__ import annotations

import asyncio
import contextlib

from tests.support.ports import free_port


class Relay:
    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port, reuse_address=True)

    async def cut(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            service_reader, service_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        except OSError:
            await self._close(client_writer)
            return
        self._writers |= {client_writer, service_writer}
        try:
            await asyncio.gather(
                self._pipe(client_reader, service_writer), self._pipe(service_reader, client_writer)
            )
        finally:
            for writer in (client_writer, service_writer):
                self._writers.discard(writer)
                await self._close(writer)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                if not writer.is_closing() and writer.can_write_eof():
                    writer.write_eof()

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
