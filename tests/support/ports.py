"""Ports for the processes and servers a test starts itself."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nothing listens on now, chosen by the operating system; for a
    server that must be found at the same address after a restart."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
