"""Logs as an operator reads them from `journey serve`: one JSON object per line with a
request id the caller can correlate, and no token, identity value or query string."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from graphql import GraphQLError

from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # runs the service in a process

TOKEN = "log-test-admin-token-0123456789"
EMAIL = "jane.doe@example.com"


def _serve(mongodb_uri: str, log_format: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "JOURNEY_PORT": str(port), "JOURNEY_MONGODB_URI": mongodb_uri,
           "JOURNEY_DATABASE": f"t_logs_{uuid.uuid4().hex[:12]}",
           "JOURNEY_ADMIN_TOKEN": TOKEN, "JOURNEY_LOG_FORMAT": log_format, "JOURNEY_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"service did not start: {process.stderr.read()}")


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    return stderr


def test_json_lines_with_request_ids_and_nothing_secret(mongodb_uri):
    process, base = _serve(mongodb_uri, "json")
    try:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        query = "query($e: String!) { customerByIdentity(type: EMAIL, value: $e) { id } }"
        echoed = httpx.get(
            f"{base}/graphql", params={"query": query, "variables": json.dumps({"e": EMAIL})},
            headers={**auth, "X-Request-ID": "trace-42"},
        )
        assert echoed.status_code == 200
        assert echoed.headers["x-request-id"] == "trace-42"
        generated = httpx.post(f"{base}/graphql", json={"query": query, "variables": {"e": EMAIL}}, headers=auth)
        assert len(generated.headers["x-request-id"]) >= 16
        hostile = httpx.get(f"{base}/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
        assert hostile.headers["x-request-id"] != "bad id\twith spaces"
        typed = httpx.get(f"{base}/console/{EMAIL}", headers={"X-Request-ID": "typed-path"})
        assert typed.status_code == 404
        refused = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"},
                             headers={"Authorization": "Bearer wrong-token-value"})
        assert refused.status_code == 401
    finally:
        stderr = _stop(process)

    lines = [line for line in stderr.splitlines() if line.strip()]
    records = []
    for line in lines:  # every line is one JSON object
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}\n{stderr}")
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys()
        assert record["time"].endswith("+00:00")
    access = [record for record in records if record["logger"] == "journey.access"]
    by_id = {record["request_id"]: record for record in access}
    assert by_id["trace-42"]["route"] == "/graphql"
    assert by_id["trace-42"]["status"] == 200
    assert by_id["trace-42"]["method"] == "GET"
    assert isinstance(by_id["trace-42"]["duration_ms"], float)
    assert by_id[generated.headers["x-request-id"]]["method"] == "POST"
    assert by_id[refused.headers["x-request-id"]]["status"] == 401
    assert by_id["typed-path"]["route"] == "/console/{path}"  # the pattern, not what was typed
    for secret in (TOKEN, EMAIL, "jane.doe", "wrong-token-value", "customerByIdentity", "bad id"):
        assert secret not in stderr, secret


def test_text_format_for_development(mongodb_uri):
    process, base = _serve(mongodb_uri, "text")
    try:
        httpx.get(f"{base}/healthz", headers={"X-Request-ID": "dev-1"})
    finally:
        stderr = _stop(process)
    line = next(line for line in stderr.splitlines() if "[dev-1]" in line)
    assert "journey.access" in line and "GET /healthz 200" in line
    assert "duration_ms=" in line
    with pytest.raises(ValueError):
        json.loads(line)


def test_a_server_fault_is_logged_without_the_query_text(caplog):
    from graphql import Source

    from resolvers.build import build_schema

    query = '{ customerByIdentity(type: EMAIL, value: "jane.doe@example.com") { id } }'
    fault = GraphQLError(
        "boom", source=Source(query), positions=[2], path=["customerByIdentity"],
        original_error=RuntimeError("store exploded"),
    )
    assert EMAIL in str(fault)  # what strawberry's own logging would have written
    with caplog.at_level(logging.ERROR, logger="journey.graphql"):
        build_schema().process_errors([fault])
    (record,) = caplog.records
    assert "customerByIdentity" in record.getMessage() and "boom" in record.getMessage()
    assert EMAIL not in record.getMessage()
    assert record.exc_info[0] is RuntimeError
