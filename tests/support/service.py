"""A real service on a loopback port, in the test's event loop, with a manual clock."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from pymongo import monitoring

from app.http_limits import server_config
from app.main import create_app
from core.clock import ManualClock
from core.settings import Settings
from tests.support.graphql_ws import GraphQLSocket
from tests.support.waiting import until

ADMIN_TOKEN = "test-admin-token"


class CommandCounter(monitoring.CommandListener):
    """Counts database round trips (commands sent), excluding driver housekeeping and the
    periodic look at revoked API keys, which runs on its own clock, not a request's."""

    IGNORED = {"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "saslStart", "saslContinue"}

    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in self.IGNORED or event.command.get("aggregate") == "api_keys":
            return
        self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def reset(self) -> None:
        self.commands.clear()

    @property
    def count(self) -> int:
        return len(self.commands)


@dataclass
class Service:
    server: uvicorn.Server
    task: asyncio.Task
    base_url: str
    clock: ManualClock
    settings: Settings
    commands: CommandCounter
    http: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/graphql"

    @property
    def services(self):
        return self.server.config.app.state.services

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
        return GraphQLSocket(self.ws_url, token=token)

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

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    async def shut_down(self) -> None:
        """Stop the server process's work as a real stop would: connections refused."""
        if not self.task.done():
            self.server.should_exit = True
            await self.task

    async def start_again(self) -> None:
        """Start a new app on the same port and database, as a restarted service."""
        self.server, self.task = await _serve(self.settings, self.clock, self.commands, self.port)

    async def stop(self) -> None:
        await self.http.aclose()
        await self.shut_down()


async def _serve(settings: Settings, clock: ManualClock, counter: CommandCounter, port: int = 0):
    """A fresh app (its lifespan opens the database and live channel) on a loopback port."""
    app = create_app(settings, clock, command_listeners=[counter])
    config = server_config(app, settings, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("service stopped during start-up")
        await asyncio.sleep(0.01)
    return server, task


async def start_service(mongodb_uri: str, *, database: str | None = None,
                        clock: ManualClock | None = None, **overrides: Any) -> Service:
    values: dict[str, Any] = {
        "mongodb_uri": mongodb_uri,
        "database": database or f"t_{uuid.uuid4().hex[:12]}",
        "admin_token": ADMIN_TOKEN,
        "sweep_interval_seconds": 0.05,
        "live_heartbeat_seconds": 1.0,
    }
    values.update(overrides)
    settings = Settings(**values)
    clock = clock or ManualClock()
    counter = CommandCounter()
    server, task = await _serve(settings, clock, counter)
    port = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    http = httpx.AsyncClient(base_url=base_url, timeout=30)
    return Service(server, task, base_url, clock, settings, counter, http)
