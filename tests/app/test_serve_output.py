"""What `journey serve` writes where logs are collected: no chosen admin token, and no
query string (with its emails and phones) in the access log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # runs journey serve in a process


def test_serve_keeps_a_chosen_admin_token_and_query_strings_out_of_its_output(tmp_path):
    port = free_port()
    secret = "chosen-admin-token-4f9c2e"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "JOURNEY_PORT": str(port),
        "JOURNEY_ADMIN_TOKEN": secret, "JOURNEY_EMBEDDED_ENGINE": "memory", "JOURNEY_DATA_DIR": str(tmp_path),
        "JOURNEY_DEMO": "false",
    }
    output = tmp_path / "output.txt"
    with output.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=env, stdout=sink,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        lookup = '{ customerByIdentity(type: EMAIL, value: "ann@shop.example") { id } }'
        query = urllib.parse.urlencode({"query": lookup})
        request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql?{query}&phone=%2B16502530000",
                                         headers={"Authorization": f"Bearer {secret}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    text = output.read_text()
    assert "Journey Graph on" in text and "JOURNEY_ADMIN_TOKEN (not shown)" in text
    assert "GET /graphql" in text, "the request is in the access log"
    assert secret not in text
    assert "ann@shop.example" not in text and "ann%40shop.example" not in text
    assert "16502530000" not in text
