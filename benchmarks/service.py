"""Waiting for a service a benchmark started as its own process: until its /readyz answers
200, or an error saying why it never did, rather than figures measured against a service
that is not there."""

from __future__ import annotations

import asyncio
import subprocess
import time

import httpx

READY_PATH = "/readyz"
READY_SECONDS = 120.0
"""Long enough for `journey serve` to start its embedded store on a loaded two-core machine."""


class NotReady(RuntimeError):
    """The service exited, or did not become ready in time."""


def exit_code(process: subprocess.Popen | asyncio.subprocess.Process) -> int | None:
    """The process's exit code, None while it runs."""
    return process.poll() if isinstance(process, subprocess.Popen) else process.returncode


async def wait_ready(
    http: httpx.AsyncClient,
    process: subprocess.Popen | asyncio.subprocess.Process,
    *,
    timeout: float = READY_SECONDS,
) -> float:
    """Seconds until the service behind `http` (its base URL) answered /readyz with 200.
    Raises NotReady as soon as its process exits, or once `timeout` seconds have passed,
    saying what /readyz answered last."""
    started = time.monotonic()
    last = "nothing"
    while True:
        code = exit_code(process)
        if code is not None:
            raise NotReady(f"the service at {http.base_url} exited with code {code} before it was ready")
        try:
            response = await http.get(READY_PATH)
        except httpx.TransportError as error:
            last = f"no answer ({type(error).__name__})"
        else:
            if response.status_code == 200:
                return time.monotonic() - started
            last = f"{response.status_code} {response.text[:200]}"
        if time.monotonic() - started > timeout:
            raise NotReady(
                f"the service at {http.base_url} was not ready within {timeout:.0f} s; "
                f"{READY_PATH} answered {last}"
            )
        await asyncio.sleep(0.1)
