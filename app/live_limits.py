"""Live connections and subscriptions counted per principal, so one token cannot take an
instance's sockets or memory for itself."""

from __future__ import annotations

from access.principal import Principal

TOO_MANY_CONNECTIONS_CODE = 4429


class TooManyConnections(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Too many live connections for this principal (at most {limit}); close one and retry"
        )


class PrincipalLimits:
    def __init__(self, *, connections: int, subscriptions: int) -> None:
        self.max_connections = connections
        self.max_subscriptions = subscriptions
        self._connections: dict[str, int] = {}
        self._subscriptions: dict[str, int] = {}

    @property
    def subscription_refusal(self) -> str:
        return (f"Subscription limit reached for this principal (at most {self.max_subscriptions} "
                "across its connections)")

    def open_connection(self, principal: Principal) -> None:
        if not _take(self._connections, principal.name, self.max_connections):
            raise TooManyConnections(self.max_connections)

    def close_connection(self, principal: Principal) -> None:
        _give_back(self._connections, principal.name)

    def add_subscription(self, principal: Principal) -> bool:
        return _take(self._subscriptions, principal.name, self.max_subscriptions)

    def remove_subscription(self, principal: Principal) -> None:
        _give_back(self._subscriptions, principal.name)


def _take(counts: dict[str, int], key: str, limit: int) -> bool:
    held = counts.get(key, 0)
    if held >= limit:
        return False
    counts[key] = held + 1
    return True


def _give_back(counts: dict[str, int], key: str) -> None:
    held = counts.get(key, 0) - 1
    if held > 0:
        counts[key] = held
    else:
        counts.pop(key, None)
