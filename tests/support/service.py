"""The real service in the test's event loop, with a manual clock: HTTP in-process until it listens
on a loopback port, WebSockets always over one."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from typing import Any

import httpx
import uvicorn
from pymongo import AsyncMongoClient, monitoring
from uvicorn.lifespan.on import LifespanOn

from app.http_limits import server_config
from app.main import create_app
from core.clock import ManualClock
from core.settings import Settings
from tests.support.graphql_ws import GraphQLSocket
from tests.support.waiting import until

ADMIN_TOKEN = "test-admin-token"
IN_PROCESS_CLIENT_PORT = 50000
"""The client port in-process requests appear to come from (their address is 127.0.0.1)."""
_NO_TLS = ssl.create_default_context()
"""Made once: the services speak plain HTTP, and loading the CA bundle per client costs 0.1 s."""


class CommandCounter(monitoring.CommandListener):
    """Counts database round trips (commands sent), excluding driver housekeeping and the
    periodic look at revoked API keys, which runs on its own clock, not a request's."""

    IGNORED = frozenset({
        "hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "saslStart", "saslContinue",
    })

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.collections: list[str] = []
        """The collection each counted command named, in step with commands."""
        self.written: dict[str, int] = {}
        """Statements (documents to write) the counted write commands carried, by collection:
        a bulk write of ten updates counts ten."""
        self.in_sequence = 0
        """The longest chain of counted commands each sent after the one before was
        answered: round trips that add up, where commands sent together count once."""
        self._answered = 0
        self._places: dict[tuple[Any, int], int] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in self.IGNORED or event.command.get("aggregate") == "api_keys":
            return
        self.commands.append(event.command_name)
        collection = str(event.command.get(event.command_name, ""))
        self.collections.append(collection)
        statements = _statements_written(event.command_name, event.command)
        if statements:
            self.written[collection] = self.written.get(collection, 0) + statements
        place = self._answered + 1
        self._places[(event.connection_id, event.request_id)] = place
        self.in_sequence = max(self.in_sequence, place)

    def _answer(self, event: monitoring.CommandSucceededEvent | monitoring.CommandFailedEvent) -> None:
        place = self._places.pop((event.connection_id, event.request_id), None)
        if place is not None:
            self._answered = max(self._answered, place)

    def on(self, collection: str) -> list[str]:
        """The counted commands sent to one collection."""
        return [name for name, target in zip(self.commands, self.collections, strict=True) if target == collection]

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._answer(event)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._answer(event)

    def reset(self) -> None:
        self.commands.clear()
        self.collections.clear()
        self.written.clear()
        self.in_sequence = self._answered = 0
        self._places.clear()

    @property
    def count(self) -> int:
        return len(self.commands)


def _statements_written(name: str, command: Any) -> int:
    listed = {"insert": "documents", "update": "updates", "delete": "deletes"}.get(name)
    if listed is not None:
        return len(command.get(listed, ()))
    return 1 if name == "findAndModify" else 0


class Service:
    """One instance of the service: its app runs in the test's event loop, and its HTTP
    requests reach the app in-process until it listens on a loopback port. It listens
    once a test opens a WebSocket or calls listen(); from then on HTTP goes through that
    socket too, so connection limits and the HTTP protocol are the real ones."""

    def __init__(self, settings: Settings, clock: ManualClock, commands: CommandCounter) -> None:
        self.settings = settings
        self.clock = clock
        self.commands = commands
        self._port = 0
        self._server: uvicorn.Server | None = None
        self._serving: asyncio.Task | None = None
        self._socket_http: httpx.AsyncClient | None = None
        self._lifespan: LifespanOn | None = None

    async def _start_app(self) -> None:
        """A fresh app whose lifespan has opened the database and the live channel."""
        self.app = create_app(self.settings, self.clock, command_listeners=[self.commands])
        config = server_config(self.app, self.settings, log_level="warning", lifespan="on")
        self._lifespan = LifespanOn(config)
        await self._lifespan.startup()
        if self._lifespan.should_exit:
            raise RuntimeError("the service's start-up failed")
        self._local_http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=config.loaded_app, raise_app_exceptions=False,
                                          client=("127.0.0.1", IN_PROCESS_CLIENT_PORT)),
            base_url="http://127.0.0.1", timeout=30,
        )

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def listen(self) -> None:
        """Serve the app on a loopback port (the one it had before a restart)."""
        if self._server is not None:
            return
        config = server_config(self.app, self.settings, host="127.0.0.1", port=self._port,
                               log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the service stopped before it listened")
            await asyncio.sleep(0.01)
        self._server, self._serving = server, serving
        self._port = server.servers[0].sockets[0].getsockname()[1]
        self._socket_http = httpx.AsyncClient(base_url=self.base_url, timeout=30, verify=_NO_TLS)

    @property
    def http(self) -> httpx.AsyncClient:
        return self._socket_http if self._socket_http is not None else self._local_http

    @property
    def port(self) -> int:
        assert self._server is not None, "the service does not listen yet: await service.listen() first"
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/graphql"

    @property
    def services(self):
        return self.app.state.services

    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = ADMIN_TOKEN
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, **kwargs) -> dict[str, Any]:
        """The data of a query that must succeed."""
        body = await self.graphql(query, variables, **kwargs)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def collect(self, events: list[dict[str, Any]], *, cookie_id: str = "c-1",
                      deployment_id: str = "default", **extra) -> dict[str, Any]:
        response = await self.http.post(
            "/collect",
            json={"deploymentId": deployment_id, "cookieId": cookie_id, "events": events, **extra},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def socket(self, token: str | None = ADMIN_TOKEN) -> GraphQLSocket:
        """A graphql-transport-ws client; opening it makes the service listen."""
        return GraphQLSocket(self._ws_address, token=token)

    async def _ws_address(self) -> str:
        await self.listen()
        return self.ws_url

    async def until_listening(self, topic: str, count: int = 1, timeout: float = 10) -> None:
        """Return once `count` shared executions on this instance receive the topic's pushes
        (subscribers with the same operation and reach share one)."""
        hub = self.services.hub
        await until(lambda: hub.listening(topic) >= count,
                    lambda: f"{count} subscription(s) to {topic!r} listening; {hub.listening(topic)} are", timeout)

    async def until_live_subscribers(self, count: int, timeout: float = 10) -> None:
        """Return once this instance counts exactly `count` WebSocket subscriptions, the
        figure readiness reports as liveSubscribers."""
        hub = self.services.hub
        await until(lambda: hub.subscriber_count == count,
                    lambda: f"{count} live subscribers; there are {hub.subscriber_count}", timeout)

    async def shut_down(self) -> None:
        """Stop as a real stop would: the socket closes (connections refused), requests in
        progress finish, then the app's lifespan ends."""
        if self._server is not None and self._serving is not None:
            self._server.should_exit = True
            await self._serving
            self._server = self._serving = None
        if self._socket_http is not None:
            await self._socket_http.aclose()
            self._socket_http = None
        if self._lifespan is not None:
            db = self.services.db
            clients = [db.client] + ([db.unbounded.client] if db.unbounded is not None else [])
            await until(lambda: sum(map(_opening_connections, clients)) == 0,
                        lambda: f"the driver is still opening {sum(map(_opening_connections, clients))} connections")
            await self._lifespan.shutdown()
            self._lifespan = None
            await self._local_http.aclose()

    async def start_again(self) -> None:
        """Start a new app on the same database (and port, if it listened), as a restarted service."""
        listened = self._port != 0
        await self._start_app()
        if listened:
            await self.listen()

    async def stop(self) -> None:
        await self.shut_down()


def _opening_connections(client: AsyncMongoClient) -> int:
    """Connections the driver is opening now. Stopping cancels the app's background loops,
    and a loop cancelled just then leaves the new socket unclosed (a ResourceWarning in
    a later test); a service that lived a few milliseconds would hit it."""
    return sum(server.pool._pending for server in client._topology._servers.values())


async def start_service(mongodb_uri: str, *, database: str | None = None, clock: ManualClock | None = None,
                        listen: bool = False, **overrides: Any) -> Service:
    """A service on a fresh database (or `database`); `listen` puts it on a loopback port
    from the start, for tests of what happens at the socket."""
    values: dict[str, Any] = {
        "mongodb_uri": mongodb_uri,
        "database": database or f"t_{uuid.uuid4().hex[:12]}",
        "admin_token": ADMIN_TOKEN,
        "sweep_interval_seconds": 0.05,
        "live_heartbeat_seconds": 1.0,
    }
    values.update(overrides)
    settings = Settings(**values)
    service = Service(settings, clock or ManualClock(), CommandCounter())
    await service._start_app()
    if listen:
        await service.listen()
    return service
