"""A throwaway redis-server for tests, and the probe that says it answers."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest


def answers(port: int) -> bool:
    """Whether a Redis on the loopback port answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(port: int) -> subprocess.Popen:
    """redis-server on the loopback port, keeping nothing on disk; it may not answer yet."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed for this test (make test installs it)")
    return subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
